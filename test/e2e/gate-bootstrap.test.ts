// The gated bootstrap is one Envoy accepts, in every shape the renderer offers, and the renderer
// refuses what would make the gate lie: a second sampling inside, an unknown method, a header
// name Envoy cannot strip, a share outside 0..100.
import { describe, expect, it } from "vitest";
import { renderBootstrap, type PluginConfiguration } from "../../host/envoy/bootstrap.js";
import { DEFAULT_GATE_RUNTIME_KEY, type GateOptions } from "../../host/envoy/gate.js";
import { validateBootstrap } from "../../support/envoy-process.js";
import { filterWasmPath } from "../../support/paths.js";

const primary = { port: 18_080 };
const shadow = { port: 18_081 };
const collector = { port: 18_090 };

function gated(gate: GateOptions, plugin: PluginConfiguration = {}): Record<string, unknown> {
  return renderBootstrap({ primary, mode: { kind: "filter", shadow, collector, wasmPath: filterWasmPath(), plugin, gate } });
}

/** Every object in the bootstrap that has `key`, depth first. */
function findAll(node: unknown, key: string): unknown[] {
  if (node === null || typeof node !== "object") return [];
  const here = key in node ? [(node as Record<string, unknown>)[key]] : [];
  return [...here, ...Object.values(node).flatMap((child) => findAll(child, key))];
}

describe("the gated bootstrap", () => {
  it.each([
    ["GET only, 10%", { percent: 10 }, {}],
    ["GET and HEAD, 0.5%, own runtime key", { percent: 0.5, runtimeKey: "mesh.api.shadow_gate" }, { methods: ["GET", "HEAD"] }],
    ["0%, own tag header", { percent: 0 }, { tag_header: "X-Mirror-Of" }],
    ["100%", { percent: 100 }, { sample_percent: 100 }],
  ] as [string, GateOptions, PluginConfiguration][])("%s passes envoy --mode validate", async (_name, gate, plugin) => {
    const result = await validateBootstrap(gated(gate, plugin));
    expect(result.output).toMatch(/OK/);
    expect(result.ok).toBe(true);
  });

  it("Envoy's validation refuses a gate whose delegated filter is broken (the check can fail)", async () => {
    const bootstrap = gated({ percent: 10 });
    const [wasm] = findAll(bootstrap, "vm_config") as { code: { local: { filename: string } } }[];
    wasm!.code.local.filename = "/nonexistent/shadowdiff.wasm";
    const result = await validateBootstrap(bootstrap);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/nonexistent/);
  });

  it("samples in millionths under a runtime key, and the filter inside mirrors all it is handed", () => {
    const bootstrap = gated({ percent: 12.5 }, { methods: ["GET", "HEAD"] });
    expect(findAll(bootstrap, "sample_percent")).toEqual([
      { default_value: { numerator: 125_000, denominator: "MILLION" }, runtime_key: DEFAULT_GATE_RUNTIME_KEY },
    ]);
    const [configuration] = findAll(bootstrap, "configuration") as { value: string }[];
    expect(JSON.parse(configuration!.value)).toMatchObject({ sample_percent: 100, methods: ["GET", "HEAD"] });
    const methods = findAll(bootstrap, "value_match");
    expect(methods).toEqual([{ exact: "GET" }, { exact: "HEAD" }]);
  });

  it("strips the tag header (lower case, in both spellings) on every route, drops underscore headers, and allows run-time changes", () => {
    const bootstrap = gated({ percent: 1 }, { tag_header: "X-Mirror-Of" });
    expect(findAll(bootstrap, "request_headers_to_remove")).toEqual([["x-mirror-of", "x_mirror_of"]]);
    expect(findAll(gated({ percent: 1 }, { tag_header: "X_Mirror" }), "request_headers_to_remove")).toEqual([["x-mirror", "x_mirror"]]);
    expect(findAll(gated({ percent: 1 }, { tag_header: "mirror" }), "request_headers_to_remove")).toEqual([["mirror"]]);
    expect(findAll(bootstrap, "headers_with_underscores_action")).toEqual(["DROP_HEADER"]);
    expect(findAll(bootstrap, "layered_runtime")).toEqual([{ layers: [{ name: "admin", admin_layer: {} }] }]);
  });

  it("leaves the ungated filter bootstrap as it was: no gate, no header rules", () => {
    const bootstrap = renderBootstrap({ primary, mode: { kind: "filter", shadow, collector, wasmPath: filterWasmPath() } });
    for (const key of ["sample_percent", "request_headers_to_remove", "headers_with_underscores_action", "layered_runtime"]) {
      expect(findAll(bootstrap, key), key).toEqual([]);
    }
  });

  it.each([
    ["a percent above 100", { percent: 101 }, {}, /gate percent must be a number from 0 to 100, got 101/],
    ["a negative percent", { percent: -1 }, {}, /gate percent must be a number from 0 to 100, got -1/],
    ["a NaN percent", { percent: Number.NaN }, {}, /gate percent must be a number from 0 to 100/],
    ["a percent given as text", { percent: "10" as unknown as number }, {}, /gate percent must be a number from 0 to 100, got "10"/],
    ["a runtime key with a space", { percent: 1, runtimeKey: "shadow gate" }, {}, /gate runtime key .* got "shadow gate"/],
    ["an empty runtime key", { percent: 1, runtimeKey: "" }, {}, /gate runtime key/],
    ["a second sampling inside the gate", { percent: 10 }, { sample_percent: 10 }, /plugin key "sample_percent" is 10/],
    ["a method with a body", { percent: 10 }, { methods: ["GET", "POST"] }, /plugin key "methods" must be a non-empty array of "GET" or "HEAD"/],
    ["no method at all", { percent: 10 }, { methods: [] }, /plugin key "methods"/],
    ["methods that are not a list", { percent: 10 }, { methods: "GET" }, /plugin key "methods"/],
    ["a pseudo-header as tag", { percent: 10 }, { tag_header: ":path" }, /plugin key "tag_header" must be an HTTP header name, got ":path"/],
    ["host as tag", { percent: 10 }, { tag_header: "Host" }, /plugin key "tag_header"/],
    ["a tag header with a newline", { percent: 10 }, { tag_header: "x-shadow\nx-evil" }, /plugin key "tag_header"/],
    ["a tag header that is not text", { percent: 10 }, { tag_header: 7 }, /plugin key "tag_header"/],
  ] as [string, GateOptions, PluginConfiguration, RegExp][])("refuses %s, naming it", (_name, gate, plugin, message) => {
    expect(() => gated(gate, plugin)).toThrow(message);
  });
});
