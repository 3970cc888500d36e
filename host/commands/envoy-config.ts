import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDocument, stringify } from "yaml";
import { pluginConfiguration, renderBootstrap, type BootstrapOptions, type Endpoint, type PluginConfiguration } from "../envoy/bootstrap.js";
import { gatedPlugin } from "../envoy/gate.js";
import { checkPluginConfiguration } from "../envoy/plugin-check.js";
import { bodiesFilterWasmPath, filterWasmPath } from "../package-files.js";

export const USAGE = `usage: shadowdiff envoy-config --primary HOST:PORT --shadow HOST:PORT --collector HOST:PORT
         [--listen [HOST:]PORT] [--admin [HOST:]PORT] [--wasm FILE | --bodies] [--gate PERCENT]
         [--plugin-config JSON | --plugin-config-file FILE] [--format yaml|json]
Prints an Envoy configuration for plain Envoy (no Istio): a listener (default 0.0.0.0:10000) that
proxies to the primary with the shadowdiff filter, which mirrors to the shadow and reports pairs
to the collector's gRPC port. Run it with \`envoy -c envoy.yaml\` (Envoy with the V8 wasm runtime).
  --listen            where Envoy serves clients (default 0.0.0.0:10000)
  --admin             Envoy's admin endpoint (default 127.0.0.1:9901; keep it private)
  --wasm              the filter module (default: the one this package ships)
  --bodies            the module this package ships that also receives request bodies, for the
                      plugin keys request_bodies and grpc (README: Side effects, gRPC); with grpc,
                      the shadow's cluster speaks HTTP/2, and the primary's the client's protocol
  --gate              the native gate: Envoy hands a random PERCENT (0 to 100, 0.5 works) of the
                      filter's methods to the filter, and the other requests never enter its VM;
                      leave sample_percent out of the plugin configuration (README: Native gate)
  --plugin-config     the filter's configuration as a JSON object (README: Plugin configuration);
                      shadow_cluster and collector_cluster are set by this command
  --format            yaml (default) or json
`;

/** Keys the command sets itself: a value from the user would point the filter at a cluster that does not exist. */
const RESERVED_KEYS = ["shadow_cluster", "collector_cluster"];

/** `shadowdiff envoy-config`: the same bootstrap the tests and the demo run, for plain-Envoy users. */
export async function run(args: string[]): Promise<number> {
  let request: { bootstrap: BootstrapOptions; format: "yaml" | "json" };
  let bootstrap: Record<string, unknown>;
  try {
    request = parseRequest(args);
    // The gate refuses plugin configurations it cannot run (sample_percent, methods, tag_header).
    bootstrap = renderBootstrap(request.bootstrap);
    refuseWhatTheFilterRefuses(request.bootstrap);
  } catch (error) {
    process.stderr.write(`shadowdiff envoy-config: ${(error as Error).message.replace(/^shadowdiff: /, "")}\n${USAGE}`);
    return 2;
  }
  process.stdout.write(request.format === "json" ? JSON.stringify(bootstrap, null, 2) + "\n" : stringify(bootstrap));
  return 0;
}

/**
 * The filter's own configure, in this process, on the configuration the bootstrap hands it: a
 * configuration it refuses would stop a static Envoy at start-up (README: Plain Envoy).
 */
function refuseWhatTheFilterRefuses(options: BootstrapOptions): void {
  const { mode } = options;
  if (mode.kind !== "filter") return;
  const plugin = mode.gate === undefined ? pluginConfiguration(mode) : gatedPlugin(pluginConfiguration(mode));
  const check = checkPluginConfiguration(mode.wasmPath, JSON.stringify(plugin));
  if (!check.ok) throw new Error(`the filter (${mode.wasmPath}) refuses the plugin configuration: ${check.problems.join("; ").replace(/^shadowdiff: /, "")}`);
}

function parseRequest(args: string[]): { bootstrap: BootstrapOptions; format: "yaml" | "json" } {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      primary: { type: "string" },
      shadow: { type: "string" },
      collector: { type: "string" },
      listen: { type: "string", default: "0.0.0.0:10000" },
      admin: { type: "string", default: "127.0.0.1:9901" },
      wasm: { type: "string" },
      bodies: { type: "boolean", default: false },
      gate: { type: "string" },
      "plugin-config": { type: "string" },
      "plugin-config-file": { type: "string" },
      format: { type: "string", default: "yaml" },
    },
  });
  const required = (flag: "primary" | "shadow" | "collector"): Endpoint => {
    const text = values[flag];
    if (text === undefined) throw new Error(`--${flag} HOST:PORT is required`);
    return endpoint(`--${flag}`, text, { hostRequired: true, minPort: 1 });
  };
  if (values.format !== "yaml" && values.format !== "json") throw new Error(`--format must be yaml or json, got "${values.format}"`);

  if (values.bodies && values.wasm !== undefined) throw new Error("give --wasm or --bodies, not both");
  const wasmPath = resolve(values.wasm ?? (values.bodies ? bodiesFilterWasmPath() : filterWasmPath()));
  if (!existsSync(wasmPath)) throw new Error(`${values.bodies ? "--bodies" : "--wasm"}: no file at ${wasmPath}`);
  const plugin = pluginConfig(values["plugin-config"], values["plugin-config-file"]);
  // The module shipped by default refuses the key at start-up, in Envoy's log; say so now.
  for (const key of ["request_bodies", "grpc"]) {
    if (Object.hasOwn(plugin, key) && !values.bodies && values.wasm === undefined) {
      throw new Error(`plugin key "${key}" needs --bodies: the default module receives no request bodies and refuses it`);
    }
  }
  const listen = endpoint("--listen", values.listen!, { hostRequired: false, minPort: 0, defaultHost: "0.0.0.0" });
  const admin = endpoint("--admin", values.admin!, { hostRequired: false, minPort: 0, defaultHost: "127.0.0.1" });
  // Envoy binds listeners to addresses, not names.
  for (const [flag, bound] of [["--listen", listen], ["--admin", admin]] as const) {
    if (isIP(bound.host!) === 0) throw new Error(`${flag} needs an IP address to bind, got "${bound.host}"`);
  }

  return {
    format: values.format,
    bootstrap: {
      primary: required("primary"),
      listenerPort: listen.port,
      listenerHost: listen.host,
      admin,
      nodeId: "shadowdiff-envoy",
      mode: {
        kind: "filter",
        shadow: required("shadow"),
        collector: required("collector"),
        wasmPath,
        plugin,
        ...(values.gate === undefined ? {} : { gate: { percent: gatePercent(values.gate) } }),
      },
    },
  };
}

/**
 * A plain decimal from 0 to 100: no sign, exponent, hex, percent sign or spaces, and no finer than
 * Envoy's millionths, so that what the user asks for is what Envoy runs.
 */
function gatePercent(text: string): number {
  const percent = Number(text);
  if (!/^\d{1,3}(\.\d{1,4})?$/.test(text) || !(percent <= 100)) {
    throw new Error(`--gate must be a percentage from 0 to 100, at most 4 decimals (0.5 works), got "${text}"`);
  }
  return percent;
}

/** HOST:PORT, [IPv6]:PORT, or PORT alone where a default host applies. */
function endpoint(flag: string, text: string, rules: { hostRequired: boolean; minPort: number; defaultHost?: string }): Endpoint {
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):)?(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2] ?? rules.defaultHost;
  const port = Number(match?.[3]);
  if (match === null || (rules.hostRequired && match[1] === undefined && match[2] === undefined)) {
    throw new Error(`${flag} must be ${rules.hostRequired ? "HOST:PORT" : "[HOST:]PORT"}, got "${text}"`);
  }
  if (!(port >= rules.minPort && port <= 65535)) throw new Error(`${flag}: port must be ${rules.minPort} to 65535, got "${text}"`);
  return host === undefined ? { port } : { host, port };
}

function pluginConfig(inline: string | undefined, file: string | undefined): PluginConfiguration {
  if (inline !== undefined && file !== undefined) throw new Error("give --plugin-config or --plugin-config-file, not both");
  const source = file !== undefined ? `--plugin-config-file ${file}` : "--plugin-config";
  let text: string | undefined = inline;
  if (file !== undefined) {
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`${source}: ${(error as Error).message}`);
    }
  }
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${source} must be a JSON object`);
  // JSON.parse keeps the last of two equal keys; the filter refuses repeats, and so does this.
  const repeated = parseDocument(text, { uniqueKeys: true }).errors.find((error) => error.code === "DUPLICATE_KEY");
  if (repeated !== undefined) {
    const at = repeated.linePos?.[0];
    throw new Error(`${source} repeats a key${at === undefined ? "" : ` (line ${at.line}, column ${at.col})`}`);
  }
  const reserved = RESERVED_KEYS.find((key) => Object.hasOwn(parsed, key));
  if (reserved !== undefined) throw new Error(`${source}: "${reserved}" is set by envoy-config (--shadow, --collector); leave it out`);
  return parsed as PluginConfiguration;
}
