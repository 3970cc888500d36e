// The Grafana dashboard type-checks against the dashboard schema Grafana publishes
// (@grafana/schema's Dashboard). Grafana itself cannot run here. The JSON is checked as a literal
// that `satisfies` the schema, so every field keeps its literal type, against the schema as JSON
// spells it: an enum is its values ("absolute"), as Grafana's import reads them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "./support/tools.js";

const DASHBOARD_FILE = join(REPO, "istio", "grafana", "shadowdiff-dashboard.json");

/** Type errors of `<json> satisfies Dashboard`, compiled as a module inside the repository (so it resolves @grafana/schema). */
function dashboardTypeErrors(json: string): string[] {
  const fileName = join(REPO, "test", "ship", "dashboard-under-check.ts");
  const source = [
    `import type { Dashboard } from "@grafana/schema";`,
    // A TypeScript string enum only takes its members; in JSON it is one of their values.
    "type AsJson<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? AsJson<U>[] : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;",
    `export const dashboard = (${json}) satisfies AsJson<Dashboard>;`,
  ].join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
}

describe("the Grafana dashboard against @grafana/schema", () => {
  const json = readFileSync(DASHBOARD_FILE, "utf8");

  it("is a Dashboard", () => {
    expect(dashboardTypeErrors(json)).toEqual([]);
  });

  it("a field of the wrong type or an unknown enum value would be refused (the check can fail)", () => {
    const board = JSON.parse(json) as { panels: { gridPos: { w: unknown }; fieldConfig?: { defaults?: { thresholds?: { mode: string } } } }[] };
    const wrongWidth = structuredClone(board);
    wrongWidth.panels[0]!.gridPos.w = "12";
    expect(dashboardTypeErrors(JSON.stringify(wrongWidth)).join("\n")).toMatch(/'string' is not assignable to type 'number'/);

    const withThresholds = structuredClone(board);
    const panel = withThresholds.panels.find((p) => p.fieldConfig?.defaults?.thresholds !== undefined);
    expect(panel, "a panel with thresholds").toBeDefined();
    panel!.fieldConfig!.defaults!.thresholds!.mode = "absolut";
    expect(dashboardTypeErrors(JSON.stringify(withThresholds)).join("\n")).toMatch(/"absolut"/);
  });
});
