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
import { NOTABLE_NAMES, PATHS, configuration } from "./config-arbitrary.js";
import { COLLECTOR_CLUSTER, SHADOW_CLUSTER, WASM_PATH, type HeaderList } from "./fixture.js";

const MODULE = readFileSync(WASM_PATH);

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
