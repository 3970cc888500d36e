// No accepted configuration can change what the client gets. Over generated configurations
// (valid and hostile values alike) and generated requests, whenever the filter accepts the
// configuration, every request reaches the primary byte for byte as it came and every response
// reaches the client as the primary sent it: headers as the host holds them after the filter ran,
// bodies, status, no local reply, no pause. The one change is the designed one: a client's tag
// header, in any of its spellings, is stripped.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Action } from "../wasmhost/abi.js";
import { HeaderMap } from "../wasmhost/header-map.js";
import { ProxyWasmHost } from "../wasmhost/host.js";
import { COLLECTOR_CLUSTER, SHADOW_CLUSTER, WASM_PATH, type HeaderList } from "./fixture.js";

const MODULE = readFileSync(WASM_PATH);

// Names that matter to the filter or to the primary, beside arbitrary ones.
const NOTABLE_NAMES = [
  "x-shadow-request", "x_shadow_request", "x-mirror", "X_Mirror", "x-request-id", "x_request_id", "host", ":path",
  ":authority", "content-length", "transfer-encoding", "connection", "te", "cookie", "authorization", "x-session",
  "x-forwarded-for", "x-envoy-upstream-rq-timeout-ms", "accept",
];
const anyText = fc.string({ maxLength: 12, unit: "binary" });
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1e9));

/** Mostly a value the filter should accept, now and then one it should refuse: most generated
 * configurations are accepted (the property is about those), and the refusals stay exercised. */
function mostly<T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: valid, weight: 24 }, { arbitrary: hostile, weight: 1 });
}

const token = fc.stringMatching(/^[A-Za-z0-9_.!#-]{1,16}$/);
const headerName = mostly(fc.oneof({ arbitrary: token, weight: 3 }, { arbitrary: fc.constantFrom(...NOTABLE_NAMES), weight: 1 }), anyText);
const headerValue = mostly(fc.stringMatching(/^[!-~]([ -~]{0,14}[!-~])?$/), fc.oneof(fc.constantFrom("a\r\nx-injected: 1", "", " padded "), anyText));
const authority = mostly(fc.stringMatching(/^[a-z0-9.-]{1,24}(:[0-9]{1,5})?$/), anyText);
const integer = (min: number, max: number) => mostly(fc.integer({ min, max }), anyNumber);
const nameList = mostly(fc.array(fc.oneof(token, fc.constantFrom(...NOTABLE_NAMES)), { maxLength: 4 }), fc.array(anyText, { minLength: 1, maxLength: 2 }));
const PATHS = ["/", "/items", "/items/", "/a", "/users"];
const pathList = mostly(fc.array(fc.constantFrom(...PATHS), { maxLength: 2 }), fc.array(anyText, { minLength: 1, maxLength: 2 }));

const configuration = fc.record(
  {
    shadow_authority: authority,
    shadow_timeout_ms: integer(1, 60000),
    sample_percent: mostly(fc.oneof({ arbitrary: fc.constantFrom(0, 50, 100), weight: 1 }, { arbitrary: fc.constant(100), weight: 2 }, { arbitrary: fc.double({ min: 0, max: 100, noNaN: true }), weight: 1 }), anyNumber),
    sample_header: headerName,
    methods: mostly(fc.subarray(["GET", "HEAD"], { minLength: 1 }), fc.array(fc.constantFrom("GET", "POST", "get"), { maxLength: 2 })),
    include_paths: pathList,
    exclude_paths: pathList,
    tag_header: headerName,
    tag_value: headerValue,
    request_headers: nameList,
    response_headers: nameList,
    redact_headers: nameList,
    redact_query_params: mostly(fc.array(fc.stringMatching(/^[a-z_]{1,8}$/), { maxLength: 3 }), fc.array(anyText, { minLength: 1, maxLength: 2 })),
    max_body_bytes: integer(0, 1048576),
    max_path_bytes: integer(64, 8192),
    collector_authority: authority,
    collector_token: mostly(fc.stringMatching(/^[!-~]{16,40}$/), anyText),
    batch_max_pairs: integer(1, 1000),
    max_in_flight: integer(1, 100000),
  },
  { requiredKeys: [] },
);

const requestHeaderName = fc.oneof(fc.constantFrom(...NOTABLE_NAMES.filter((n) => !n.startsWith(":")).map((n) => n.toLowerCase())), fc.stringMatching(/^[a-z0-9_-]{1,12}$/));
const printable = fc.stringMatching(/^[ -~]{0,24}$/);
const exchange = fc.record({
  method: fc.constantFrom("GET", "GET", "HEAD", "POST"),
  path: fc.tuple(fc.constantFrom(...PATHS), fc.stringMatching(/^[a-z0-9?=&;_%.\/-]{0,40}$/)).map(([prefix, rest]) => prefix + rest),
  headers: fc.array(fc.tuple(requestHeaderName, printable), { maxLength: 6 }),
  requestBody: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.string({ maxLength: 16 }), weight: 1 }),
  status: fc.integer({ min: 100, max: 999 }),
  responseHeaders: fc.array(fc.tuple(requestHeaderName, printable), { maxLength: 4 }),
  responseBody: fc.string({ maxLength: 32 }),
});

/** Header names as a CGI server reads them: "_" and "-" alike. */
const folded = (name: string) => name.toLowerCase().replaceAll("_", "-");

describe("any configuration the filter accepts", () => {
  it("leaves the primary's request and the client's response as they were", async () => {
    let accepted = 0;
    let exchanges = 0;
    let mirrored = 0;
    await fc.assert(
      fc.asyncProperty(configuration, fc.array(exchange, { minLength: 1, maxLength: 4 }), async (settings, traffic) => {
        const host = await ProxyWasmHost.fromBytes(MODULE, { clusters: [SHADOW_CLUSTER, COLLECTOR_CLUSTER] });
        const config = { shadow_cluster: SHADOW_CLUSTER, collector_cluster: COLLECTOR_CLUSTER, ...settings };
        if (!host.start(JSON.stringify(config))) return;
        accepted++;
        const tag = folded(typeof settings.tag_header === "string" ? settings.tag_header : "x-shadow-request");
        for (const request of traffic) {
          exchanges++;
          const sent: HeaderList = [[":method", request.method], [":path", request.path], [":scheme", "http"], [":authority", "api.example"], ...request.headers];
          const stream = host.newStream();
          const withBody = request.requestBody !== undefined;
          expect(stream.requestHeaders(sent, !withBody)).toBe(Action.Continue);
          if (withBody) expect(stream.requestBody(request.requestBody!, true)).toBe(Action.Continue);
          const response: HeaderList = [[":status", String(request.status)], ...request.responseHeaders];
          expect(stream.responseHeaders(response, false)).toBe(Action.Continue);
          expect(stream.responseBody(request.responseBody, true)).toBe(Action.Continue);
          stream.complete();

          expect(stream.request.pairs()).toEqual(new HeaderMap(sent.filter(([name]) => folded(name) !== tag)).pairs());
          expect(Buffer.from(stream.forwardedRequestBody).toString()).toBe(request.requestBody ?? "");
          expect(stream.response.pairs()).toEqual(new HeaderMap(response).pairs());
          expect(Buffer.from(stream.forwardedResponseBody).toString()).toBe(request.responseBody);
          expect(stream.localResponse).toBeUndefined();
          expect(stream.continueCalls).toEqual([]);
          expect(stream.closeCalls).toEqual([]);
        }
        mirrored += host.httpCalls.length;
        for (const call of host.httpCalls) if (call.state === "pending") host.respondHttpCall(call.token, { status: 200, body: "{}" });
        host.advanceClock(120_000); // every flush and timeout: the filter runs to the end of its work
      }),
      { numRuns: 300, seed: 9, endOnFailure: true },
    );
    // The property says something only if configurations were accepted and traffic went through
    // them, some of it mirrored (the seed is fixed, so these counts are too).
    expect(accepted).toBeGreaterThan(80);
    expect(exchanges).toBeGreaterThan(200);
    expect(mirrored).toBeGreaterThan(25);
  });
});
