import { describe, expect, it } from "vitest";
import { parseConfig } from "../../host/config/load.js";
import { ConfigError } from "../../host/config/validate.js";

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("collector configuration", () => {
  it("fills in every default from an empty file", () => {
    expect(parseConfig("", {})).toEqual({
      grpc: { address: "127.0.0.1:9000", maxMessageBytes: 4194304, maxQueuedPairs: 10000 },
      http: { address: "127.0.0.1:9464" },
      compare: { headers: ["content-type"], ignorePaths: [], unorderedArrays: [], numericTolerance: 0 },
      routes: { templates: [], maxRoutes: 100 },
      noise: { minNoiseRate: 0.01, relativeMargin: 0.2, absoluteMargin: 0.03 },
      examples: { path: "shadowdiff.db", maxCount: 1000, maxAgeHours: 168, maxBytes: 67108864, redactBodyPaths: [] },
    });
  });

  it("reads the documented example", () => {
    const config = parseConfig(
      `
grpc:
  address: 127.0.0.1:9000
  maxMessageBytes: 4194304
  maxQueuedPairs: 10000
http:
  address: 127.0.0.1:9464
compare:
  headers: [Content-Type]
  ignorePaths: ["$.timestamp", "$..request_id", "$.items[*].generated_at"]
  unorderedArrays: ["$.tags"]
  numericTolerance: 0
routes:
  templates: ["/users/{id}"]
  maxRoutes: 100
examples:
  path: shadowdiff.db
  maxCount: 1000
  maxAgeHours: 168
`,
      {},
    );
    expect(config.compare.headers).toEqual(["content-type"]);
    expect(config.compare.ignorePaths).toHaveLength(3);
  });

  it("lets SHADOWDIFF_GRPC_ADDRESS and SHADOWDIFF_HTTP_ADDRESS override the file", () => {
    const config = parseConfig("grpc:\n  address: 127.0.0.1:1\n", { SHADOWDIFF_GRPC_ADDRESS: "0.0.0.0:9000", SHADOWDIFF_HTTP_ADDRESS: "[::]:9464" });
    expect(config.grpc.address).toBe("0.0.0.0:9000");
    expect(config.http.address).toBe("[::]:9464");
  });

  it.each([
    ["grpc:\n  adress: 127.0.0.1:9000\n", {}, ['config key "grpc.adress" is unknown']],
    ["grcp: {}\n", {}, ['config key "grcp" is unknown']],
    ["grpc:\n  maxMessageBytes: big\n", {}, ['config key "grpc.maxMessageBytes" must be an integer from 1024 to 67108864']],
    ["grpc:\n  maxMessageBytes: 10\n", {}, ['config key "grpc.maxMessageBytes" must be an integer from 1024 to 67108864']],
    ["grpc:\n  maxQueuedPairs: 1.5\n", {}, ['config key "grpc.maxQueuedPairs" must be an integer from 1 to 1000000']],
    ["grpc:\n  address: localhost\n", {}, ['config key "grpc.address" must be host:port with a port from 0 to 65535 (e.g. 127.0.0.1:9000 or [::]:9000)']],
    ["", { SHADOWDIFF_HTTP_ADDRESS: "127.0.0.1:70000" }, ['config key "http.address" must be host:port with a port from 0 to 65535 (e.g. 127.0.0.1:9000 or [::]:9000)']],
    ["http: 9464\n", {}, ['config key "http" must be a mapping']],
    ["compare:\n  headers: content-type\n", {}, ['config key "compare.headers" must be a list of header names']],
    ["compare:\n  ignorePaths: [timestamp]\n", {}, ['config key "compare.ignorePaths[0]" must be a path like $.a.b, $..key, $.items[*].key or $["a b"] (starting with $)']],
    ["compare:\n  unorderedArrays: [\"$.tags\", 3]\n", {}, ['config key "compare.unorderedArrays[1]" must be a string']],
    ["compare:\n  numericTolerance: -1\n", {}, ['config key "compare.numericTolerance" must be a number of at least 0']],
    ["routes:\n  templates: [\"users/{id}\"]\n", {}, ['config key "routes.templates[0]" must be a path template starting with /']],
    ["routes:\n  maxRoutes: 0\n", {}, ['config key "routes.maxRoutes" must be an integer from 1 to 10000']],
    ["examples:\n  path: \"\"\n", {}, ['config key "examples.path" must be a file path or :memory:']],
    ["noise:\n  warmupPairs: 50\n", {}, ['config key "noise.warmupPairs" is unknown']],
    ["noise:\n  minNoiseRate: -0.1\n", {}, ['config key "noise.minNoiseRate" must be a share from 0 to 1']],
    ["noise:\n  minNoiseRate: 2\n", {}, ['config key "noise.minNoiseRate" must be a share from 0 to 1']],
    ["noise:\n  absoluteMargin: \"0.03\"\n", {}, ['config key "noise.absoluteMargin" must be a share from 0 to 1']],
    ["noise:\n  relativeMargin: 1e9\n", {}, ['config key "noise.relativeMargin" must be a number from 0 to 10']],
    ["noise:\n  relativeMargin: .nan\n", {}, ['config key "noise.relativeMargin" must be a number from 0 to 10']],
    ["noise:\n  minRate: 0.5\n", {}, ['config key "noise.minRate" is unknown']],
    ["examples:\n  maxAgeHours: forever\n", {}, ['config key "examples.maxAgeHours" must be a number of hours from 0.001 to 87600']],
    ["grpc:\n  tokenFile: \"\"\n", {}, ['config key "grpc.tokenFile" must be the path of a file holding the intake token']],
    ["grpc:\n  tokenFile: [a]\n", {}, ['config key "grpc.tokenFile" must be the path of a file holding the intake token']],
    ["examples:\n  maxBytes: 1000\n", {}, ['config key "examples.maxBytes" must be an integer from 1048576 to 68719476736']],
    ["examples:\n  maxBytes: 1e12\n", {}, ['config key "examples.maxBytes" must be an integer from 1048576 to 68719476736']],
    ["examples:\n  redactBodyPaths: [password]\n", {}, ['config key "examples.redactBodyPaths[0]" must be a path like $.a.b, $..key, $.items[*].key or $["a b"] (starting with $)']],
    ["- a\n- b\n", {}, ["the configuration must be a mapping"]],
    ["grpc:\n  address: a:1\n  address: b:2\n", {}, ['YAML: Map keys must be unique at line 3, column 3:']],
    [
      "grpc:\n  maxQueuedPairs: 0\n  extra: 1\nexamples:\n  maxCount: -1\n",
      {},
      ['config key "grpc.maxQueuedPairs" must be an integer from 1 to 1000000', 'config key "grpc.extra" is unknown', 'config key "examples.maxCount" must be an integer from 0 to 1000000'],
    ],
  ] as [string, Record<string, string>, string[]][])("refuses %j", (yaml, env, expected) => {
    expect(problems(yaml, env)).toEqual(expected);
  });

  it("names the file in the error", () => {
    expect(() => parseConfig("nope: 1\n", {}, "/etc/shadowdiff.yaml")).toThrow(/invalid \/etc\/shadowdiff\.yaml:\n {2}config key "nope" is unknown/);
  });
});
