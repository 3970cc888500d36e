// The Envoy scenarios both Envoy benchmarks measure (saturation: bench/envoy.ts; fixed rate:
// bench/latency.ts), so that their figures describe the same configurations. Every mirrored copy
// goes to the same upstream as the primary (an Envoy answering with direct_response), so the
// scenarios differ only in what Envoy does in front of it.
import type { ShadowMode } from "../../host/envoy/bootstrap.js";
import type { FilterEntry } from "../../support/envoy-admin.js";
import { filterWasmPath } from "../../support/paths.js";

export type ScenarioId = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h" | "i";

export interface Scenario {
  id: ScenarioId;
  label: string;
  mode: (upstreamPort: number, sinkPort: number) => ShadowMode;
  /** Where requests reach the shadowdiff filter; none for Envoy alone, its mirror and the do-nothing module. */
  filterEntry?: FilterEntry;
}

const filter =
  (samplePercent: number, wasmPath = filterWasmPath()) =>
  (upstreamPort: number, sinkPort: number): ShadowMode => ({
    kind: "filter",
    shadow: { port: upstreamPort },
    collector: { port: sinkPort },
    wasmPath,
    plugin: { sample_percent: samplePercent },
  });

/** (f) is no goal of its own: it tells what any wasm filter costs, apart from what shadowdiff does. */
export function envoyScenarios(noopWasmPath: string): Scenario[] {
  return [
    { id: "a", label: "Envoy, no filter", mode: () => ({ kind: "plain" }) },
    { id: "b", label: "Envoy's native mirror, 100%", mode: (upstreamPort) => ({ kind: "mirror", shadow: { port: upstreamPort }, percent: 100 }) },
    { id: "c", label: "shadowdiff, sample_percent 0", mode: filter(0), filterEntry: "listener" },
    { id: "d", label: "shadowdiff, 100% mirrored, captured and reported", mode: filter(100), filterEntry: "listener" },
    { id: "e", label: "shadowdiff, sample_percent 10", mode: filter(10), filterEntry: "listener" },
    { id: "f", label: "a do-nothing wasm module (reference)", mode: filter(0, noopWasmPath) },
    {
      id: "g",
      label: "shadowdiff behind the native gate, 1%",
      mode: (upstreamPort, sinkPort) => ({ ...filter(100)(upstreamPort, sinkPort), gate: { percent: 1 } }) as ShadowMode,
      filterEntry: "gate",
    },
    { id: "h", label: "shadowdiff, sample_percent 1", mode: filter(1), filterEntry: "listener" },
    {
      id: "i",
      label: "shadowdiff, 100% to 2 targets and a secondary",
      mode: (upstreamPort, sinkPort) => ({
        kind: "filter",
        targets: [
          { name: "v2", endpoint: { port: upstreamPort } },
          { name: "v3", endpoint: { port: upstreamPort } },
        ],
        secondary: { endpoint: { port: upstreamPort }, samplePercent: 100 },
        collector: { port: sinkPort },
        wasmPath: filterWasmPath(),
        plugin: { sample_percent: 100 },
      }),
      filterEntry: "listener",
    },
  ];
}

/** The scenarios of `ids`, in that order. */
export function pick(scenarios: Scenario[], ids: readonly ScenarioId[]): Scenario[] {
  return ids.map((id) => {
    const scenario = scenarios.find((candidate) => candidate.id === id);
    if (scenario === undefined) throw new Error(`shadowdiff bench: no scenario ${id}`);
    return scenario;
  });
}
