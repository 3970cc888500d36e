// The Grafana dashboard imports anywhere: no fixed datasource, unique panel ids, every query on
// the Prometheus datasource the importer picks, and the panels the issue asks for.
import { describe, expect, it } from "vitest";
import { dashboard } from "./support/queries.js";

const board = dashboard();
const queryPanels = board.panels.filter((panel) => panel.type !== "row");

describe("the Grafana dashboard", () => {
  it("is a dashboard to import: no id, a stable uid, a title", () => {
    expect((board as unknown as { id: unknown }).id).toBeNull();
    expect(board.uid).toBe("shadowdiff");
    expect(board.title).toMatch(/shadowdiff/);
    expect(board.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it("asks for its Prometheus datasource instead of naming one", () => {
    const datasource = board.templating.list.find((variable) => variable.type === "datasource");
    expect(datasource).toMatchObject({ name: "datasource", query: "prometheus" });
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
    }
    const route = board.templating.list.find((variable) => variable.name === "route");
    expect(route?.datasource?.uid).toBe("${datasource}");
  });

  it("has unique panel ids and unique query ids within each panel", () => {
    const ids = board.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of queryPanels) {
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(refIds.length, panel.title).toBeGreaterThan(0);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  it("shows what the issue asks for", () => {
    const titles = queryPanels.map((panel) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        "Match ratio per route and target",
        "Matches that were noise, per route and target",
        "Noisy fields: how often v1 differs from itself",
        "Latency p50 / p95, primary vs shadow",
        "Mismatches by field (top 10)",
        "Shadow failures by kind",
        "Filter decisions",
        "Pairs and reports (drops)",
        "Collector throughput",
      ]),
    );
    const latency = queryPanels.find((panel) => panel.title === "Latency p50 / p95, primary vs shadow")!;
    expect(latency.targets!.map((target) => target.legendFormat)).toEqual(["primary p50", "primary p95", "shadow p50", "shadow p95"]);
  });
});
