// The Prometheus rules pass `promtool check rules`, their unit tests pass `promtool test rules`,
// and the PrometheusRule carries exactly the rules file's groups.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { promtool } from "./support/promtool.js";
import { prometheusRuleGroups, ruleGroups, RULES_FILE, RULES_TEST_FILE } from "./support/queries.js";

const ALERTS = [
  "ShadowResponsesDiverging",
  "ShadowLatencyRegression",
  "ShadowFailing",
  "ShadowdiffFilterDroppingPairs",
  "ShadowdiffCollectorDroppingPairs",
];

interface RuleTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

describe("Prometheus rules", () => {
  it("keep the article's series names and record per route", () => {
    const recorded = ruleGroups().flatMap((group) => group.rules.map((rule) => rule.record)).filter(Boolean);
    expect(recorded).toEqual(
      expect.arrayContaining([
        "shadow:response_match_ratio",
        "shadow:latency_ratio",
        "shadow:response_match_ratio:by_route",
        "shadow:latency_ratio:by_route",
        "shadow:comparisons:increase5m:by_route",
      ]),
    );
    const alerts = ruleGroups().flatMap((group) => group.rules.map((rule) => rule.alert)).filter(Boolean);
    expect(alerts.sort()).toEqual([...ALERTS].sort());
  });

  it("the PrometheusRule holds the same groups as the rules file", () => {
    expect(prometheusRuleGroups()).toEqual(ruleGroups());
  });

  it("promtool check rules accepts the rules file", async () => {
    const result = await promtool(["check", "rules", RULES_FILE]);
    expect(result.output).toMatch(/SUCCESS: 17 rules found/);
    expect(result.code).toBe(0);
  });

  it("promtool check rules accepts the PrometheusRule's groups", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "shadowdiff-rules-")), "prometheusrule-groups.yaml");
    writeFileSync(file, stringify({ groups: prometheusRuleGroups() }));
    const result = await promtool(["check", "rules", file]);
    expect(result.code, result.output).toBe(0);
  });

  it("promtool check rules refuses a broken expression (the check can fail)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "shadowdiff-rules-")), "broken.yaml");
    writeFileSync(file, stringify({ groups: [{ name: "broken", rules: [{ record: "x:y", expr: "sum(rate(x[5m])" }] }] }));
    const result = await promtool(["check", "rules", file]);
    expect(result.code).not.toBe(0);
  });

  it("the unit tests show every alert firing and every alert quiet", () => {
    const tests = (parse(readFileSync(RULES_TEST_FILE, "utf8")) as RuleTests).tests;
    const checks = tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const alert of ALERTS) {
      expect(checks.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} firing`).toBe(true);
      expect(checks.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} quiet`).toBe(true);
    }
  });

  it("promtool test rules passes the unit tests", async () => {
    const result = await promtool(["test", "rules", RULES_TEST_FILE], dirname(RULES_TEST_FILE));
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it("promtool test rules fails when an expectation is wrong (the check can fail)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shadowdiff-rules-"));
    const tests = parse(readFileSync(RULES_TEST_FILE, "utf8")) as RuleTests;
    tests.rule_files = [RULES_FILE];
    // Claim the diverging route raises no alert.
    const firing = tests.tests[0]!.alert_rule_test!.find((c) => c.exp_alerts.length > 0)!;
    firing.exp_alerts = [];
    const file = join(dir, "wrong.test.yaml");
    writeFileSync(file, stringify(tests));
    const result = await promtool(["test", "rules", file], dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/ShadowResponsesDiverging/);
  });
});
