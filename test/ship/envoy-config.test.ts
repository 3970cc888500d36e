// `shadowdiff envoy-config` prints a configuration plain-Envoy users run as it is: the real Envoy
// validates it and serves traffic with it (real upstreams and collector on 127.0.0.1), with the
// filter alone or behind the native gate (--gate), and every bad flag is refused with a message
// naming it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startCollector } from "../../host/collector.js";
import { parseConfig } from "../../host/config/load.js";
import { GATE_FILTER_NAME } from "../../host/envoy/gate.js";
import { FILTER_STAT_NAMES } from "../../support/envoy-admin.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { bodiesFilterWasmPath, envoyBinary, filterWasmPath } from "../../support/paths.js";
import { createLogger } from "../../host/log.js";
import { REPO, run } from "./support/tools.js";
import { expectOneMirroredRequest, expectOneMirroredWrite, startUpstreams, type Upstreams } from "./support/upstreams.js";

const CLI = join(REPO, "dist", "host", "cli.js");
const envoyConfig = (args: string[]) => run(process.execPath, [CLI, "envoy-config", ...args]);

/** A primary, a shadow and a collector on 127.0.0.1, and a folder for files; each describe its own. */
interface Services {
  upstreams: Upstreams;
  collector: Awaited<ReturnType<typeof startCollector>>;
  dir: string;
}

function useServices(): Services {
  const services = {} as Services;
  beforeAll(async () => {
    services.dir = mkdtempSync(join(tmpdir(), "shadowdiff-envoy-config-"));
    services.upstreams = await startUpstreams();
    services.collector = await startCollector(parseConfig('grpc: { address: "127.0.0.1:0" }\nhttp: { address: "127.0.0.1:0" }\nexamples: { path: ":memory:" }\n', {}), {
      log: createLogger(() => {}, "error"),
    });
  });
  afterAll(async () => {
    await services.upstreams?.close();
    await services.collector?.close();
    if (services.dir !== undefined) rmSync(services.dir, { recursive: true, force: true });
  });
  return services;
}

/** Writes the printed configuration to a file and runs `envoy --mode validate` on it. */
async function expectEnvoyAccepts(dir: string, printed: string): Promise<void> {
  const file = join(dir, "envoy.yaml");
  writeFileSync(file, printed);
  const validated = await run(envoyBinary(), ["--mode", "validate", "-c", file]);
  expect(validated.code, validated.stdout + validated.stderr).toBe(0);
}

/** Hostile and careless --gate values, and plugin configurations the gate cannot run. */
const gateRefusals: [string, string[], RegExp][] = [
  ["a gate share over 100", ["--gate", "101"], /--gate must be a percentage from 0 to 100, .*got "101"/],
  ["a negative gate share", ["--gate=-1"], /--gate must be a percentage .*got "-1"/],
  ["a gate share with a percent sign", ["--gate", "5%"], /--gate must be a percentage .*got "5%"/],
  ["a gate share in exponent notation", ["--gate", "1e1"], /--gate must be a percentage .*got "1e1"/],
  ["a gate share in hex", ["--gate", "0x10"], /--gate must be a percentage .*got "0x10"/],
  ["a gate share that is no number", ["--gate", "NaN"], /--gate must be a percentage .*got "NaN"/],
  ["an empty gate share", ["--gate="], /--gate must be a percentage .*got ""/],
  ["a gate share padded with spaces", ["--gate", " 5"], /--gate must be a percentage .*got " 5"/],
  ["a gate share finer than Envoy's millionths", ["--gate", "0.00001"], /--gate must be a percentage .*at most 4 decimals.*got "0.00001"/],
  ["--gate without a share", ["--gate"], /Option '--gate <value>' argument missing/],
  ["a gate with the filter's own sampling", ["--gate", "5", "--plugin-config", '{"sample_percent":5}'], /envoy-config: gate: plugin key "sample_percent" is 5/],
  ["a gate on a method it cannot hand over", ["--gate", "5", "--plugin-config", '{"methods":["POST"]}'], /envoy-config: gate: plugin key "methods" must be/],
  ["a gate asked to strip a header Envoy keeps", ["--gate", "5", "--plugin-config", '{"tag_header":"host"}'], /envoy-config: gate: plugin key "tag_header" must be an HTTP header name/],
];

/**
 * Plugin configurations the filter refuses, which would stop a static Envoy at start-up: the
 * command runs the filter's own configure on them and refuses, naming the key as the filter does.
 */
const refusedBy = (key: string, rule: string) => new RegExp(`envoy-config: the filter \\(.*shadowdiff\\.wasm\\) refuses the plugin configuration: config key "${key}" ${rule}`);
const filterRefusals: [string, string, RegExp][] = [
  ["tag_header :path", '{"tag_header":":path"}', refusedBy("tag_header", "must not be a pseudo-header")],
  ["tag_header Host", '{"tag_header":"Host"}', refusedBy("tag_header", "")],
  ["CR/LF in tag_value", JSON.stringify({ tag_value: "true\r\nx-evil: 1" }), refusedBy("tag_value", "")],
  ["a negative sample_percent", '{"sample_percent":-1}', refusedBy("sample_percent", "must be a number from 0 to 100")],
  ["sample_percent 1e308", '{"sample_percent":1e308}', refusedBy("sample_percent", "must be a number from 0 to 100")],
  ["an unknown key", '{"sample_percnt":10}', refusedBy("sample_percnt", "is unknown")],
  ["methods: []", '{"methods":[]}', refusedBy("methods", "")],
  ["targets beside the command's shadow", '{"targets":[{"name":"v2","cluster":"shadow"}]}', refusedBy("(targets|shadow_cluster)", "")],
];

describe("shadowdiff envoy-config", () => {
  const services = useServices();

  const flags = (): string[] => [
    "--primary", `127.0.0.1:${services.upstreams.primary}`,
    "--shadow", `127.0.0.1:${services.upstreams.shadow}`,
    "--collector", `127.0.0.1:${services.collector.grpcPort}`,
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
    await expectEnvoyAccepts(services.dir, yaml.stdout);
  });

  it("serves traffic with it: the client gets the primary's answer, the shadow a tagged copy, the collector the pair", async () => {
    const printed = await envoyConfig(flags());
    expect(printed.code, printed.stderr).toBe(0);
    const envoy = await startEnvoy(parse(printed.stdout) as object);
    try {
      await expectOneMirroredRequest(envoy.listenerPort, services.upstreams, services.collector.httpPort);
    } finally {
      await envoy.stop();
    }
  });

  it("takes the plugin configuration from a file, and resolves upstream host names by DNS", async () => {
    const pluginFile = join(services.dir, "plugin.json");
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
    ["request_bodies without --bodies", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", '{"request_bodies":{"methods":["POST"]}}'], /plugin key "request_bodies" needs --bodies: the default module receives no request bodies/],
    ["grpc without --bodies", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", '{"grpc":{"methods":["/a.B/C"]}}'], /plugin key "grpc" needs --bodies: the default module receives no request bodies/],
    ["grpc behind the gate", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--bodies", "--gate", "1", "--plugin-config", '{"grpc":{"methods":["/a.B/C"]}}'], /gate: plugin key "grpc" needs the filter's own sampling/],
    ["--bodies beside --wasm", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--bodies", "--wasm", "/nonexistent/filter.wasm"], /give --wasm or --bodies, not both/],
    ["--bodies with a value", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--bodies=false"], /--bodies/],
    ["an unknown format", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--format", "toml"], /--format must be yaml or json/],
    ["an unknown flag", ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--sample", "5"], /--sample/],
    ...filterRefusals.map(([name, plugin, message]): [string, string[], RegExp] => [
      `a plugin configuration the filter refuses: ${name}`,
      ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", "--plugin-config", plugin],
      message,
    ]),
    ...gateRefusals.map(([name, args, message]): [string, string[], RegExp] => [name, ["--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:1", "--collector", "127.0.0.1:2", ...args], message]),
  ];

  it.each(refusals)("refuses %s, naming the flag, and prints nothing to run", async (_name, args, message) => {
    const result = await envoyConfig(args);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(2);
  });
});

describe("shadowdiff envoy-config --gate", () => {
  const services = useServices();

  const gated = (percent: string): string[] => [
    "--primary", `127.0.0.1:${services.upstreams.primary}`,
    "--shadow", `127.0.0.1:${services.upstreams.shadow}`,
    "--collector", `127.0.0.1:${services.collector.grpcPort}`,
    "--listen", "127.0.0.1:0",
    "--admin", "127.0.0.1:0",
    "--plugin-config", JSON.stringify({ flush_interval_ms: 100, methods: ["GET", "HEAD"] }),
    "--gate", percent,
  ];

  /** Envoy's own counters: requests the listener finished, and those the gate handed to the filter. */
  async function gateCounters(envoy: EnvoyProcess): Promise<{ completed: number; delegated: number }> {
    const stats = await envoy.admin.stats("^http\\.ingress\\.(downstream_rq_completed|composite\\.filter_delegation_success)$");
    const read = (name: string): number => {
      const value = stats.get(`http.ingress.${name}`);
      if (value === undefined) throw new Error(`Envoy shows no http.ingress.${name}`);
      return value;
    };
    return { completed: read("downstream_rq_completed"), delegated: read("composite.filter_delegation_success") };
  }

  it("prints the filter behind the gate at the share asked, in millionths, which envoy --mode validate accepts", async () => {
    const printed = await envoyConfig(gated("2.5"));
    expect(printed.code, printed.stderr).toBe(0);
    const config = parse(printed.stdout) as { static_resources: { listeners: { filter_chains: { filters: { typed_config: any }[] }[] }[] } };
    const manager = config.static_resources.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config;
    expect(manager.http_filters.map((filter: { name: string }) => filter.name)).toEqual([GATE_FILTER_NAME, "envoy.filters.http.router"]);
    const action = manager.http_filters[0].typed_config.xds_matcher.matcher_list.matchers[0].on_match.action.typed_config;
    expect(action.sample_percent.default_value).toEqual({ numerator: 25_000, denominator: "MILLION" });
    expect(JSON.parse(action.typed_config.typed_config.config.configuration.value)).toMatchObject({ sample_percent: 100 });
    expect(manager.route_config.virtual_hosts[0].request_headers_to_remove).toEqual(["x-shadow-request", "x_shadow_request"]);
    await expectEnvoyAccepts(services.dir, printed.stdout);
  });

  it("at 0%, a request carrying forged tags reaches the primary without them, and nothing enters the filter or reaches the shadow", async () => {
    const printed = await envoyConfig(gated("0"));
    expect(printed.code, printed.stderr).toBe(0);
    const envoy = await startEnvoy(parse(printed.stdout) as object);
    try {
      const response = await fetch(`http://127.0.0.1:${envoy.listenerPort}/users/7`, { headers: { "x-shadow-request": "true", x_shadow_request: "true" } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      // Once Envoy counts the request finished, the gate has decided and the filter would have counted it.
      const counters = await eventually(async () => {
        const current = await gateCounters(envoy);
        expect(current.completed, "requests Envoy counts finished").toBe(1);
        return current;
      }, { timeoutMs: 30_000 });
      expect(counters.delegated).toBe(0);
      expect(services.upstreams.primaryRequests).toHaveLength(1);
      expect(Object.keys(services.upstreams.primaryRequests[0]!).filter((name) => /^x.shadow.request$/.test(name))).toEqual([]);
      const filterStats = await envoy.admin.countedFilterStats("gate");
      expect(FILTER_STAT_NAMES.filter((name) => filterStats[name] !== 0)).toEqual([]);
      expect(services.upstreams.shadowRequests).toEqual([]);
    } finally {
      await envoy.stop();
    }
  });

  it("at 100%, it mirrors: the client gets the primary's answer, the shadow a tagged copy, the collector the pair", async () => {
    const printed = await envoyConfig(gated("100"));
    expect(printed.code, printed.stderr).toBe(0);
    const envoy = await startEnvoy(parse(printed.stdout) as object);
    try {
      await expectOneMirroredRequest(envoy.listenerPort, services.upstreams, services.collector.httpPort);
      expect((await gateCounters(envoy)).delegated).toBe(1);
    } finally {
      await envoy.stop();
    }
  });
});

describe("shadowdiff envoy-config --bodies", () => {
  const services = useServices();

  const withBodies = (extra: string[] = []): string[] => [
    "--primary", `127.0.0.1:${services.upstreams.primary}`,
    "--shadow", `127.0.0.1:${services.upstreams.shadow}`,
    "--collector", `127.0.0.1:${services.collector.grpcPort}`,
    "--listen", "127.0.0.1:0",
    "--admin", "127.0.0.1:0",
    "--plugin-config", JSON.stringify({ flush_interval_ms: 100, methods: ["GET"], request_bodies: { methods: ["POST"], max_bytes: 4096 } }),
    "--bodies",
    ...extra,
  ];

  /** Every module file the printed configuration loads. */
  const modules = (printed: string): string[] => [...printed.matchAll(/filename: (.+)$/gm)].map((match) => match[1]!.trim());

  it("loads the module that receives request bodies, which envoy --mode validate accepts, alone and behind the gate", async () => {
    const printed = await envoyConfig(withBodies());
    expect(printed.code, printed.stderr).toBe(0);
    expect(modules(printed.stdout)).toEqual([bodiesFilterWasmPath()]);
    expect(modules(printed.stdout)).not.toContain(filterWasmPath());
    await expectEnvoyAccepts(services.dir, printed.stdout);
    const gated = await envoyConfig([...withBodies(["--gate", "100"])]);
    expect(gated.code, gated.stderr).toBe(0);
    expect(modules(gated.stdout)).toEqual([bodiesFilterWasmPath()]);
    // The gate hands POST to the filter beside GET.
    expect(gated.stdout).toMatch(/exact: POST/);
    await expectEnvoyAccepts(services.dir, gated.stdout);
  });

  it("with a grpc block, speaks HTTP/2 to the shadow and the client's protocol to the primary, which envoy --mode validate accepts", async () => {
    const printed = await envoyConfig(withBodies().map((arg) => (arg.startsWith("{") ? JSON.stringify({ grpc: { methods: ["/shop.catalog.v1.Catalog/GetProduct"] } }) : arg)));
    expect(printed.code, printed.stderr).toBe(0);
    const clusters = (parse(printed.stdout) as { static_resources: { clusters: Array<{ name: string; typed_extension_protocol_options?: object }> } }).static_resources.clusters;
    const options = (name: string) => JSON.stringify(clusters.find((cluster) => cluster.name === name)?.typed_extension_protocol_options ?? {});
    expect(options("shadow")).toContain("explicit_http_config");
    expect(options("primary")).toContain("use_downstream_protocol_config");
    await expectEnvoyAccepts(services.dir, printed.stdout);
  });

  it("serves a POST with it: the client gets the primary's answer, the shadow the exact body, tagged, the collector the pair", async () => {
    const printed = await envoyConfig(withBodies());
    expect(printed.code, printed.stderr).toBe(0);
    const envoy = await startEnvoy(parse(printed.stdout) as object);
    try {
      await expectOneMirroredWrite(envoy.listenerPort, services.upstreams, services.collector.httpPort);
    } finally {
      await envoy.stop();
    }
  });
});
