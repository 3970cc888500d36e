// Every PromQL expression shadowdiff ships: the rules (both forms) and the Grafana dashboard.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ISTIO_DIR, findManifest } from "./manifests.js";

export interface RuleGroup {
  name: string;
  rules: { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
}

export interface ShippedQuery {
  where: string;
  expr: string;
}

export const RULES_FILE = join(ISTIO_DIR, "prometheus", "shadowdiff.rules.yaml");
export const RULES_TEST_FILE = join(ISTIO_DIR, "prometheus", "shadowdiff.rules.test.yaml");
export const DASHBOARD_FILE = join(ISTIO_DIR, "grafana", "shadowdiff-dashboard.json");

export function ruleGroups(): RuleGroup[] {
  return (parse(readFileSync(RULES_FILE, "utf8")) as { groups: RuleGroup[] }).groups;
}

export function prometheusRuleGroups(): RuleGroup[] {
  return (findManifest("PrometheusRule", "shadowdiff").spec as { groups: RuleGroup[] }).groups;
}

export function recordedNames(): Set<string> {
  return new Set(ruleGroups().flatMap((group) => group.rules.flatMap((rule) => (rule.record === undefined ? [] : [rule.record]))));
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; legendFormat?: string; datasource?: { type: string; uid: string } }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as Dashboard;
}

export function shippedQueries(): ShippedQuery[] {
  const queries: ShippedQuery[] = [];
  for (const [source, groups] of [["rules file", ruleGroups()], ["PrometheusRule", prometheusRuleGroups()]] as const) {
    for (const group of groups) {
      for (const rule of group.rules) queries.push({ where: `${source} ${rule.record ?? rule.alert}`, expr: rule.expr });
    }
  }
  for (const panel of dashboard().panels) {
    for (const target of panel.targets ?? []) queries.push({ where: `dashboard "${panel.title}" ${target.refId}`, expr: target.expr });
  }
  return queries;
}
