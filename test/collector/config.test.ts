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
      grpc: { address: "127.0.0.1:9000", maxMessageBytes: 4194304, maxQueuedPairs: 10000, allowUnauthenticated: false },
      http: { address: "127.0.0.1:9464", allowUnauthenticated: false, openPaths: ["/metrics", "/healthz", "/readyz"] },
      compare: { headers: ["content-type"], ignorePaths: [], unorderedArrays: [], numericTolerance: 0, trailers: [], descriptorSets: [] },
      routes: { templates: [], maxRoutes: 100 },
      noise: { minNoiseRate: 0.01, relativeMargin: 0.2, absoluteMargin: 0.03 },
      examples: { path: "shadowdiff.db", maxCount: 1000, maxAgeHours: 168, maxBytes: 67108864, redactBodyPaths: [] },
      traces: {},
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
    const open = "grpc:\n  address: 127.0.0.1:1\n  allowUnauthenticated: true\nhttp:\n  allowUnauthenticated: true\n";
    const config = parseConfig(open, { SHADOWDIFF_GRPC_ADDRESS: "0.0.0.0:9000", SHADOWDIFF_HTTP_ADDRESS: "[::]:9464" });
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
    ["compare:\n  descriptorSets: catalog.pb\n", {}, ['config key "compare.descriptorSets" must be a list of descriptor set files']],
    ["compare:\n  descriptorSets: [\"\"]\n", {}, ['config key "compare.descriptorSets[0]" must be the path of a descriptor set file']],
    ["compare:\n  descriptorSets: [[a.pb]]\n", {}, ['config key "compare.descriptorSets[0]" must be the path of a descriptor set file']],
    [`compare:\n  descriptorSets: [${Array.from({ length: 65 }, (_, i) => `s${i}.pb`).join(", ")}]\n`, {}, ['config key "compare.descriptorSets" must list at most 64 files']],
    ["compare:\n  trailers: [1]\n", {}, ['config key "compare.trailers[0]" must be a trailer name']],
    ["compare:\n  trailers: grpc-message\n", {}, ['config key "compare.trailers" must be a list of trailer names']],
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

  describe("an address other machines can reach", () => {
    const open = (section: string, listen: string) =>
      `config key "${section}.address" is ${listen}, which other machines can reach, and no ${section}.tokenFile is set: anyone who reaches it could ` +
      (section === "grpc" ? "report pairs, and so write the verdict" : "read the stored examples (request paths, response bodies)") +
      `. Set ${section}.tokenFile, or ${section}.allowUnauthenticated: true where something else guards it (` +
      (section === "grpc" ? "Istio's mutual TLS and an AuthorizationPolicy that admits the filter only" : "Istio's AuthorizationPolicy") +
      ")";

    it.each([
      ["0.0.0.0:9000", "grpc"],
      ["[::]:9000", "grpc"],
      ["10.1.2.3:9000", "grpc"],
      ["collector.internal:9000", "grpc"],
      ["[::ffff:10.0.0.1]:9000", "grpc"],
      ["0.0.0.0:9464", "http"],
      ["192.168.1.20:80", "http"],
    ])("refuses %s without a token or an explicit allowUnauthenticated (%s)", (listen, section) => {
      expect(problems(`${section}: { address: "${listen}" }\n`)).toEqual([open(section, listen)]);
    });

    it("refuses through the environment's overrides too, naming both ports", () => {
      expect(problems("", { SHADOWDIFF_GRPC_ADDRESS: "0.0.0.0:9000", SHADOWDIFF_HTTP_ADDRESS: "0.0.0.0:9464" })).toEqual([
        open("grpc", "0.0.0.0:9000"),
        open("http", "0.0.0.0:9464"),
      ]);
    });

    it.each(["127.0.0.1:9000", "127.8.9.10:9000", "[::1]:9000", "localhost:9000", "LOCALHOST:9000"])("takes loopback %s without a token", (listen) => {
      expect(problems(`grpc: { address: "${listen}" }\nhttp: { address: "${listen}" }\n`)).toEqual([]);
    });

    it("takes a reachable address with a token file, or with allowUnauthenticated: true", () => {
      expect(problems('grpc: { address: "0.0.0.0:9000", tokenFile: /run/t }\nhttp: { address: "0.0.0.0:9464", tokenFile: /run/h }\n')).toEqual([]);
      const allowed = parseConfig('grpc: { address: "0.0.0.0:9000", allowUnauthenticated: true }\nhttp: { address: "0.0.0.0:9464", allowUnauthenticated: true }\n', {});
      expect([allowed.grpc.allowUnauthenticated, allowed.http.allowUnauthenticated]).toEqual([true, true]);
    });

    it.each([
      ['grpc: { allowUnauthenticated: "true" }\n', ['config key "grpc.allowUnauthenticated" must be true or false']],
      ["grpc: { allowUnauthenticated: 1 }\n", ['config key "grpc.allowUnauthenticated" must be true or false']],
      ["http: { allowUnauthenticated: yes }\n", ['config key "http.allowUnauthenticated" must be true or false']],
      ["http: { allowUnauthenticated: [true] }\n", ['config key "http.allowUnauthenticated" must be true or false']],
      [
        "grpc: { tokenFile: /run/t, allowUnauthenticated: true }\n",
        ['config key "grpc.allowUnauthenticated" is true, but grpc.tokenFile is set and its token is checked: leave one of them out'],
      ],
      [
        "http: { tokenFile: /run/t, allowUnauthenticated: true }\n",
        ['config key "http.allowUnauthenticated" is true, but http.tokenFile is set and its token is checked: leave one of them out'],
      ],
      ['http: { tokenFile: "" }\n', ['config key "http.tokenFile" must be the path of a file holding the HTTP token']],
      ["http: { tokenFile: { path: /run/t } }\n", ['config key "http.tokenFile" must be the path of a file holding the HTTP token']],
      ["http: { openPaths: [/api/summary] }\n", ['config key "http.openPaths[0]" must name /metrics, /healthz, /readyz only']],
      ["http: { openPaths: [/] }\n", ['config key "http.openPaths[0]" must name /metrics, /healthz, /readyz only']],
      ["http: { openPaths: [/METRICS] }\n", ['config key "http.openPaths[0]" must name /metrics, /healthz, /readyz only']],
      ["http: { openPaths: [/healthz, /healthz] }\n", ['config key "http.openPaths" names a path twice']],
      ["http: { openPaths: /metrics }\n", ['config key "http.openPaths" must be a list of paths']],
      ["http: { openPaths: [[/metrics]] }\n", ['config key "http.openPaths[0]" must name /metrics, /healthz, /readyz only']],
    ] as [string, string[]][])("refuses %j", (yaml, expected) => {
      expect(problems(yaml)).toEqual(expected);
    });

    it("takes fewer open paths, none included", () => {
      expect(parseConfig("http: { tokenFile: /run/t, openPaths: [/healthz, /readyz] }\n", {}).http.openPaths).toEqual(["/healthz", "/readyz"]);
      expect(parseConfig("http: { tokenFile: /run/t, openPaths: [] }\n", {}).http.openPaths).toEqual([]);
    });
  });

  it("names the file in the error", () => {
    expect(() => parseConfig("nope: 1\n", {}, "/etc/shadowdiff.yaml")).toThrow(/invalid \/etc\/shadowdiff\.yaml:\n {2}config key "nope" is unknown/);
  });
});
