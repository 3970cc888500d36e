// `shadowdiff envoy-config` prints a configuration plain-Envoy users run as it is: the real Envoy
// validates it and serves traffic with it (real upstreams and collector on 127.0.0.1), and every
// bad flag is refused with a message naming it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startCollector } from "../../host/collector.js";
import { parseConfig } from "../../host/config/load.js";
import { startEnvoy } from "../../support/envoy-process.js";
import { envoyBinary } from "../../support/paths.js";
import { createLogger } from "../../host/log.js";
import { REPO, run } from "./support/tools.js";
import { expectOneMirroredRequest, startUpstreams, type Upstreams } from "./support/upstreams.js";

const CLI = join(REPO, "dist", "host", "cli.js");
const envoyConfig = (args: string[]) => run(process.execPath, [CLI, "envoy-config", ...args]);

describe("shadowdiff envoy-config", () => {
  let upstreams: Upstreams;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "shadowdiff-envoy-config-"));
    upstreams = await startUpstreams();
    collector = await startCollector(parseConfig('grpc: { address: "127.0.0.1:0" }\nhttp: { address: "127.0.0.1:0" }\nexamples: { path: ":memory:" }\n', {}), {
      log: createLogger(() => {}, "error"),
    });
  });

  afterAll(async () => {
    upstreams.close();
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const flags = (): string[] => [
    "--primary", `127.0.0.1:${upstreams.primary}`,
    "--shadow", `127.0.0.1:${upstreams.shadow}`,
    "--collector", `127.0.0.1:${collector.grpcPort}`,
    "--listen", "127.0.0.1:0",
    "--admin", "127.0.0.1:0",
    "--plugin-config", JSON.stringify({ flush_interval_ms: 100, response_headers: ["x-served-by"] }),
  ];

  it("prints a configuration envoy --mode validate accepts, in YAML and in JSON alike", async () => {
    const yaml = await envoyConfig(flags());
    expect(yaml.code, yaml.stderr).toBe(0);
    const json = await envoyConfig([...flags(), "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(parse(yaml.stdout));
    const file = join(dir, "envoy.yaml");
    writeFileSync(file, yaml.stdout);
    const validated = await run(envoyBinary(), ["--mode", "validate", "-c", file]);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
  });

  it("serves traffic with it: the client gets the primary's answer, the shadow a tagged copy, the collector the pair", async () => {
    const printed = await envoyConfig(flags());
    expect(printed.code, printed.stderr).toBe(0);
    const envoy = await startEnvoy(parse(printed.stdout) as object);
    try {
      await expectOneMirroredRequest(envoy.listenerPort, upstreams, collector.httpPort);
    } finally {
      await envoy.stop();
    }
  });

  it("takes the plugin configuration from a file, and resolves upstream host names by DNS", async () => {
    const pluginFile = join(dir, "plugin.json");
    writeFileSync(pluginFile, JSON.stringify({ sample_percent: 5 }));
    const printed = await envoyConfig(["--primary", "api-v1.internal:8080", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config-file", pluginFile]);
    expect(printed.code, printed.stderr).toBe(0);
    const config = parse(printed.stdout) as { static_resources: { clusters: { name: string; type: string }[]; listeners: { filter_chains: { filters: { typed_config: { http_filters: { typed_config: { config?: { configuration: { value: string } } } }[] } }[] }[] }[] } };
    expect(config.static_resources.clusters.map((c) => [c.name, c.type])).toEqual([["primary", "STRICT_DNS"], ["shadow", "STATIC"], ["collector", "STATIC"]]);
    const filter = config.static_resources.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config.http_filters[0]!.typed_config.config!;
    expect(JSON.parse(filter.configuration.value)).toEqual({ shadow_cluster: "shadow", collector_cluster: "collector", sample_percent: 5 });
  });

  const refusals: [string, string[], RegExp][] = [
    ["a missing --shadow", ["--primary", "127.0.0.1:1", "--collector", "127.0.0.1:2"], /--shadow HOST:PORT is required/],
    ["a port alone for an upstream", ["--primary", "8080", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2"], /--primary must be HOST:PORT, got "8080"/],
    ["port 0 for an upstream", ["--primary", "127.0.0.1:0", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2"], /--primary: port must be 1 to 65535/],
    ["a port past 65535", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:70000", "--collector", "127.0.0.1:2"], /--shadow: port must be 1 to 65535/],
    ["a URL instead of HOST:PORT", ["--primary", "http://127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2"], /--primary must be HOST:PORT/],
    ["a listener address with a path", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--listen", "0.0.0.0:80/x"], /--listen must be \[HOST:\]PORT/],
    ["a host name to listen on", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--admin", "localhost:9901"], /--admin needs an IP address to bind, got "localhost"/],
    ["plugin config that is not JSON", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", "{sample_percent: 5}"], /--plugin-config is not valid JSON/],
    ["plugin config that is an array", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", "[]"], /--plugin-config must be a JSON object/],
    ["a key given twice", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", '{"sample_percent":1,"sample_percent":100}'], /--plugin-config repeats a key \(line 1, column 21\)/],
    ["a cluster name the command sets", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", '{"collector_cluster":"elsewhere"}'], /"collector_cluster" is set by envoy-config/],
    ["both plugin config flags", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", "{}", "--plugin-config-file", "x.json"], /not both/],
    ["a plugin config file that is not there", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config-file", "/nonexistent/plugin.json"], /--plugin-config-file \/nonexistent\/plugin.json: ENOENT/],
    ["a wasm file that is not there", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--wasm", "/nonexistent/filter.wasm"], /--wasm: no file at \/nonexistent\/filter.wasm/],
    ["an unknown format", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--format", "toml"], /--format must be yaml or json/],
    ["an unknown flag", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--sample", "5"], /--sample/],
  ];

  it.each(refusals)("refuses %s, naming the flag, and prints nothing to run", async (_name, args, message) => {
    const result = await envoyConfig(args);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(2);
  });
});
