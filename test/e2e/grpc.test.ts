// gRPC through a real Envoy with build/shadowdiff-bodies.wasm: two versions of the demo's gRPC
// catalog on grpc-js (v2 changes one field of GetProduct's answer and writes its fields in
// reverse order), the real collector reading protoc's descriptor set. A listed unary call is
// mirrored over HTTP/2 and compared field by field; streaming calls, a call past grpc.max_bytes and
// gRPC-Web are not mirrored and are counted; a shadow's UNAVAILABLE, a trailers-only error, an
// answer past the capture limit, a corrupt frame and a method missing from the descriptors are
// compared as the README says. Whatever happens, the client gets the bytes and trailers it gets
// from an Envoy without the filter.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { renderBootstrap } from "../../host/envoy/bootstrap.js";
import type { MismatchView } from "../../host/mismatches/mismatch-view.js";
import { CatalogTypes, EXTRAS_ECHO, GET_PRODUCT, LIST_PRODUCTS, RECORD_VIEWS, startGrpcCatalog, type GrpcCatalog } from "../../demo/grpc-catalog.js";
import { startEnvoy, type EnvoyProcess } from "../../support/envoy-process.js";
import { eventually } from "../../support/eventually.js";
import { grpcFrame, rawGrpcCall, type RawGrpcAnswer } from "../../support/grpc-client.js";
import { bodiesFilterWasmPath, catalogDescriptorSetPath } from "../../support/paths.js";
import { getJson, startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { launchChromium } from "../../support/browser.js";

const MAX_BYTES = 1_048_576;
const descriptorSet = catalogDescriptorSetPath();
const types = new CatalogTypes(descriptorSet);

let v1: GrpcCatalog;
let v2: GrpcCatalog;
let collector: TestCollector;
let envoy: EnvoyProcess;
/** The same primary behind an Envoy without the filter: what a client gets without shadowdiff. */
let bare: EnvoyProcess;

beforeAll(async () => {
  v1 = await startGrpcCatalog("v1", descriptorSet, { deterministic: true, maxReceiveBytes: 8 * MAX_BYTES });
  v2 = await startGrpcCatalog("v2", descriptorSet, { deterministic: true, maxReceiveBytes: 8 * MAX_BYTES });
  collector = await startTestCollector({
    grpc: { maxMessageBytes: 16 * MAX_BYTES },
    compare: { headers: ["content-type"], descriptorSets: [descriptorSet], trailers: ["grpc-message"] },
    examples: { maxCount: 100 },
  });
  envoy = await startEnvoy(
    renderBootstrap({
      primary: { port: v1.port },
      mode: {
        kind: "filter",
        shadow: { port: v2.port },
        collector: { port: collector.grpcPort },
        wasmPath: bodiesFilterWasmPath(),
        plugin: {
          flush_interval_ms: 100,
          shadow_timeout_ms: 5000,
          collector_timeout_ms: 2000,
          max_body_bytes: MAX_BYTES,
          grpc: { methods: [GET_PRODUCT, RECORD_VIEWS, "/shop.catalog.v1.Extras/*"], max_bytes: MAX_BYTES },
        },
      },
    }),
    { concurrency: 1 },
  );
  bare = await startEnvoy(renderBootstrap({ primary: { port: v1.port }, mode: { kind: "plain" }, primaryProtocol: "downstream" }), { concurrency: 1 });
}, 60_000);

afterAll(async () => {
  await envoy?.stop();
  await bare?.stop();
  await collector?.cleanup();
  await v1?.close();
  await v2?.close();
});

beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`--- envoy log (tail) ---\n${envoy?.log().slice(-6000)}`)));

function getProduct(id: number, behaviour = "", size = 0): Buffer {
  return grpcFrame(toBinary(types.getProductRequest, create(types.getProductRequest, { id: BigInt(id), behaviour, size } as never)));
}

/** A filter counter Envoy shows (each worker adds its counts on its tick). */
async function counter(name: string): Promise<number> {
  const stats = await envoy.admin.stats(`^wasmcustom\\.shadowdiff\\.${name}$`);
  return stats.get(`wasmcustom.shadowdiff.${name}`) ?? 0;
}

/** What a client sees, less what Envoy stamps per response (date, upstream time). */
function seen(answer: RawGrpcAnswer) {
  const { date: _date, "x-envoy-upstream-service-time": _time, ...headers } = answer.headers;
  return { headers, body: answer.body.toString("base64"), trailers: answer.trailers };
}

/** Calls through the filter's Envoy and the bare one, and checks the client sees the same. */
async function callBoth(path: string, body: Buffer, metadata: Record<string, string>): Promise<RawGrpcAnswer> {
  const through = await rawGrpcCall(envoy.listenerPort, path, body, metadata);
  const without = await rawGrpcCall(bare.listenerPort, path, body, { ...metadata, "x-request-id": `${metadata["x-request-id"]}-bare` });
  expect(seen(through)).toEqual(seen(without));
  return through;
}

/** The collector's example of the pair whose request id is `pairId`. */
async function example(pairId: string): Promise<MismatchView> {
  const id = await eventually(async () => {
    const { body } = await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${collector.httpUrl}/api/mismatches?limit=100`);
    const found = body.mismatches.find((item) => item.pairId === pairId);
    if (found === undefined) throw new Error(`no example of ${pairId} yet`);
    return found.id;
  });
  return (await getJson<MismatchView>(`${collector.httpUrl}/api/mismatches/${id}`)).body;
}

/** Comparisons the collector counted on the route of `path`. */
async function routeCounts(path: string) {
  const { body } = await getJson<{ routes: { route: string; pairs: number; matched: number; mismatched: number; inconclusive: number }[] }>(`${collector.httpUrl}/api/summary`);
  return body.routes.find((route) => route.route === path) ?? { pairs: 0, matched: 0, mismatched: 0, inconclusive: 0 };
}

describe("gRPC through Envoy with the filter", () => {
  it("mirrors a listed unary call over HTTP/2 and compares its answer field by field", async () => {
    const seenByV2 = v2.calls.length;
    const answer = await callBoth(GET_PRODUCT, getProduct(7), { "x-request-id": "grpc-unary-7", "x-user-tier": "gold" });
    expect(answer.trailers["grpc-status"]).toBe("0");
    await eventually(() => expect(v2.calls.slice(seenByV2)).toEqual([GET_PRODUCT]));
    const kept = await example("grpc-unary-7");
    expect(kept.outcome).toBe("mismatch");
    // v2 wrote its fields in reverse order: only the changed price is a difference.
    expect(kept.comparison.body?.differences).toEqual([{ path: "$.price.nanos", kind: "changed", primary: "580000000", shadow: "500000000" }]);
    expect(kept.comparison.grpc).toEqual({ messages: "decoded", messageType: "shop.catalog.v1.Product" });
    expect(kept.primary.trailers?.find((t) => t.name === "grpc-status")?.value).toBe("0");
    expect(kept.primary.grpcMessage).toBe("shop.catalog.v1.Product");
    expect(JSON.parse(kept.primary.body)).toMatchObject({ id: "7", name: "product 7", price: { currency: "EUR", units: "12", nanos: 580000000 } });
    expect(JSON.parse(kept.requestBody!.body)).toEqual({ id: "7" });
    expect(kept.requestBody!.grpcMessage).toBe("shop.catalog.v1.GetProductRequest");
  });

  it("shows the pair on the page: the method, both statuses, both messages as JSON with the difference marked, a grpcurl line", async () => {
    const id = await eventually(async () => {
      const { body } = await getJson<{ mismatches: { id: number; pairId: string }[] }>(`${collector.httpUrl}/api/mismatches?limit=100`);
      const found = body.mismatches.find((item) => item.pairId === "grpc-unary-7");
      if (found === undefined) throw new Error("not compared yet");
      return found.id;
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
      await page.goto(`${collector.httpUrl}/#/pair/${id}`);
      await page.waitForSelector("table.responses");
      expect(await page.textContent("dl.meta")).toContain("gRPC methodshop.catalog.v1.Catalog/GetProduct");
      const grpcRow = await page.$$eval("table.responses tbody tr", (rows) => rows.map((row) => row.textContent).find((text) => text?.startsWith("gRPC status")));
      expect(grpcRow).toBe("gRPC status0 OK0 OK");
      expect(await page.textContent(".explanations")).toContain("Messages compared field by field, as shop.catalog.v1.Product.");
      expect(await page.textContent("ul.differences")).toContain("$.price.nanos");
      const marked = await page.$$eval('[data-side="shadow"] [data-diff-path]', (lines) => lines.map((line) => `${line.getAttribute("data-diff-kind")} ${line.getAttribute("data-diff-path")}`));
      expect(marked).toEqual(["changed $.price.nanos"]);
      const shadowBody = await page.textContent('[data-side="shadow"] .code');
      expect(shadowBody).toContain('"name": "product 7"');
      expect(await page.textContent('[data-side="primary"]')).toContain("shop.catalog.v1.Product, decoded: shown as proto3 JSON");
      expect(await page.textContent(".curl pre")).toBe(
        `grpcurl -plaintext -protoset 'catalog.pb' -d '{"id":"7"}' '127.0.0.1:${envoy.listenerPort}' 'shop.catalog.v1.Catalog/GetProduct'`,
      );
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("does not mirror a streaming call: not listed (server streaming), or a request of two messages", async () => {
    const notListed = await counter("requests_grpc_not_listed");
    const streaming = await counter("requests_grpc_streaming");
    const seenByV2 = v2.calls.length;
    const list = await callBoth(LIST_PRODUCTS, grpcFrame(toBinary(types.listProductsRequest, create(types.listProductsRequest, { count: 3 } as never))), { "x-request-id": "grpc-list" });
    expect(list.trailers["grpc-status"]).toBe("0");
    const views = Buffer.concat([1, 2].map((id) => grpcFrame(toBinary(types.productView, create(types.productView, { id: BigInt(id) } as never)))));
    const recorded = await callBoth(RECORD_VIEWS, views, { "x-request-id": "grpc-views" });
    expect(recorded.trailers["grpc-status"]).toBe("0");
    await eventually(async () => expect(await counter("requests_grpc_not_listed")).toBe(notListed + 1));
    await eventually(async () => expect(await counter("requests_grpc_streaming")).toBe(streaming + 1));
    expect(v2.calls.slice(seenByV2)).toEqual([]);
  });

  it("compares a call the shadow fails with UNAVAILABLE: the gRPC statuses differ", async () => {
    const answer = await callBoth(GET_PRODUCT, getProduct(8, "v2-unavailable"), { "x-request-id": "grpc-unavailable" });
    expect(answer.trailers["grpc-status"]).toBe("0");
    const kept = await example("grpc-unavailable");
    expect(kept.outcome).toBe("mismatch");
    expect(kept.shadowFailure).toBeNull();
    expect(kept.comparison.grpc?.status).toEqual({ primary: 0, shadow: 14 });
    expect(kept.shadow?.trailers).toContainEqual({ name: "grpc-message", value: "the price service is overloaded" });
  });

  it("keeps a trailers-only error's status from its headers, on both sides", async () => {
    const answer = await callBoth(GET_PRODUCT, getProduct(9, "not-found"), { "x-request-id": "grpc-not-found" });
    expect(answer.headers["grpc-status"]).toBe("5");
    expect(answer.body.length).toBe(0);
    const kept = await example("grpc-not-found");
    // Both NOT_FOUND; the messages differ, and compare.trailers lists grpc-message.
    expect(kept.comparison.grpc?.status).toBeUndefined();
    expect(kept.comparison.trailers).toEqual([{ name: "grpc-message", primary: "product 9 not found", shadow: "no product 9" }]);
    expect(kept.primary.trailers).toContainEqual({ name: "grpc-status", value: "5" });
    expect(kept.shadow?.trailers).toContainEqual({ name: "grpc-status", value: "5" });
    expect(kept.comparison.grpc?.messages).toBe("none");
  });

  it("does not mirror a request message of 1 MiB + 1 byte, and calls an answer past the capture limit inconclusive", async () => {
    const tooLarge = await counter("requests_grpc_too_large");
    const seenByV2 = v2.calls.length;
    // GetProductRequest { id: 10 } and an unknown field 15 the service skips, to 1 MiB + 1 byte.
    const request = getProduct(10).subarray(5);
    let padding = MAX_BYTES + 1 - request.length - 1;
    while (request.length + 1 + varint(padding).length + padding > MAX_BYTES + 1) padding--;
    const padded = grpcFrame(Buffer.concat([request, Buffer.from([0x7a]), varint(padding), Buffer.alloc(padding, 0x78)]));
    expect(padded.length - 5).toBe(MAX_BYTES + 1);
    const answer = await callBoth(GET_PRODUCT, padded, { "x-request-id": "grpc-huge-request" });
    expect(answer.trailers["grpc-status"]).toBeDefined();
    await eventually(async () => expect(await counter("requests_grpc_too_large")).toBe(tooLarge + 1));
    expect(v2.calls.slice(seenByV2)).toEqual([]);

    const before = await routeCounts(GET_PRODUCT);
    const large = await callBoth(GET_PRODUCT, getProduct(11, "large", MAX_BYTES + 1), { "x-request-id": "grpc-huge-answer" });
    expect(large.body.length).toBeGreaterThan(MAX_BYTES + 1);
    const kept = await example("grpc-huge-answer");
    expect(kept.outcome).toBe("inconclusive");
    expect(kept.comparison.inconclusive?.reason).toBe("truncated");
    expect(kept.primary.truncated).toBe(true);
    expect(kept.primary.bodyWithheld).toMatch(/cut at the capture limit/);
    expect((await routeCounts(GET_PRODUCT)).inconclusive).toBe(before.inconclusive + 1);
  });

  it("mirrors a corrupt frame as the client sent it: both sides refuse it, and the client's answer is untouched", async () => {
    const seenByV2 = v2.calls.length;
    const before = await routeCounts(GET_PRODUCT);
    // The prefix promises 100 bytes; 3 follow.
    const corrupt = Buffer.from([0, 0, 0, 0, 100, 0x08, 0x07, 0x10]);
    const answer = await callBoth(GET_PRODUCT, corrupt, { "x-request-id": "grpc-corrupt" });
    expect(answer.headers["grpc-status"] ?? answer.trailers["grpc-status"]).not.toBe("0");
    await eventually(async () => expect((await routeCounts(GET_PRODUCT)).pairs).toBe(before.pairs + 1));
    expect(v2.calls.slice(seenByV2)).toEqual([]); // grpc-js refused it before the handler
    expect((await routeCounts(GET_PRODUCT)).matched).toBe(before.matched + 1);
  });

  it("compares the messages of a method missing from the descriptors as bytes, and says so", async () => {
    const answer = await callBoth(EXTRAS_ECHO, grpcFrame(Buffer.from("echo me")), { "x-request-id": "grpc-extras" });
    expect(answer.trailers["grpc-status"]).toBe("0");
    const kept = await example("grpc-extras");
    expect(kept.outcome).toBe("mismatch");
    expect(kept.comparison.grpc).toEqual({ messages: "bytes", detail: "method /shop.catalog.v1.Extras/Echo is not in the descriptor sets" });
    expect(kept.comparison.body?.kind).toBe("binary");
    expect(kept.primary.bodyWithheld).toMatch(/is not in the descriptor sets/);
  });

  it("takes Envoy's own answer for a shadow it cannot reach for the failure it is, not for the shadow's answer", async () => {
    // A port nothing listens on: Envoy answers the gRPC call itself, trailers only, UNAVAILABLE.
    const closed = await startGrpcCatalog("v2", descriptorSet, { deterministic: true });
    const closedPort = closed.port;
    await closed.close();
    const unreachable = await startEnvoy(
      renderBootstrap({
        primary: { port: v1.port },
        mode: {
          kind: "filter",
          shadow: { port: closedPort },
          collector: { port: collector.grpcPort },
          wasmPath: bodiesFilterWasmPath(),
          plugin: { flush_interval_ms: 100, grpc: { methods: [GET_PRODUCT] } },
        },
      }),
      { concurrency: 1 },
    );
    try {
      const answer = await rawGrpcCall(unreachable.listenerPort, GET_PRODUCT, getProduct(13), { "x-request-id": "grpc-unreachable" });
      expect(answer.trailers["grpc-status"]).toBe("0");
      const kept = await example("grpc-unreachable");
      expect(kept.shadowFailure).toBe("reset");
      expect(kept.shadow).toBeNull();
      const stats = await unreachable.admin.stats("^wasmcustom\\.shadowdiff\\.shadow_reset$");
      expect(stats.get("wasmcustom.shadowdiff.shadow_reset")).toBe(1);
    } finally {
      await unreachable.stop();
    }
  });

  it("never mirrors gRPC-Web, and counts it", async () => {
    const notListed = await counter("requests_grpc_not_listed");
    await rawGrpcCall(envoy.listenerPort, GET_PRODUCT, getProduct(12), { "content-type": "application/grpc-web+proto", "x-request-id": "grpc-web" });
    await eventually(async () => expect(await counter("requests_grpc_not_listed")).toBe(notListed + 1));
  });
});

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}
