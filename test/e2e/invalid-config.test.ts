// A plugin configuration with a typo must stop Envoy, with the filter's message naming the key:
// silently mirroring all traffic is the failure this prevents.
import { describe, expect, it } from "vitest";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import { EnvoyStartError, startEnvoy, validateBootstrap } from "../../support/envoy-process.js";
import { filterWasmPath } from "../../support/paths.js";

function bootstrapWith(plugin: Record<string, unknown>): object {
  return renderBootstrap({
    primary: { port: 18_080 },
    mode: { kind: "filter", shadow: { port: 18_081 }, collector: { port: 18_090 }, wasmPath: filterWasmPath(), plugin },
  });
}

const refusals: [string, Record<string, unknown>, string][] = [
  ["an unknown key", { sample_percnt: 10 }, 'shadowdiff: config key "sample_percnt" is unknown'],
  ["a value out of range", { sample_percent: 150 }, 'shadowdiff: config key "sample_percent" must be a number from 0 to 100'],
];

describe("an invalid plugin configuration", () => {
  it.each(refusals)("with %s: Envoy refuses to start and logs the filter's message", async (_name, plugin, message) => {
    const failure = await startEnvoy(bootstrapWith(plugin)).then(
      async (envoy) => {
        await envoy.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EnvoyStartError);
    const { log, exitCode } = failure as EnvoyStartError;
    expect(exitCode).not.toBe(0);
    expect(log).toContain(message);
    expect(log).toContain("Unable to create Wasm plugin shadowdiff");
  });

  it("is refused by envoy --mode validate too", async () => {
    const result = await validateBootstrap(bootstrapWith({ sample_percnt: 10 }));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('config key "sample_percnt" is unknown');
  });
});
