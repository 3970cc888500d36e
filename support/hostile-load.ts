// A bounded load of hostile pairs for the collector's memory soak (bench/soak.ts and
// test/e2e/collector-soak.test.ts): every kind of pair that once grew the collector's memory or
// disk, or could, each as large as the capture contract lets it be. The same seed gives the same
// pairs.
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { encodeBatch, ReportClient, type WireHeader, type WirePair, type WireResponse } from "./report-client.js";
import { seededRandom } from "./seeded-random.js";

const JSON_TYPE: WireHeader = { name: "content-type", value: "application/json" };

function answer(body: string | Buffer, headers: WireHeader[] = [JSON_TYPE], extra: Partial<WireResponse> = {}): WireResponse {
  const bytes = Buffer.from(body);
  return { status: 200, headers, body: bytes, body_size: bytes.length, latency_nanos: 2_000_000, ...extra };
}

const nested = (depth: number, leaf: string) => '{"a":'.repeat(depth) + leaf + "}".repeat(depth);
const GZIP_BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));

/** The kinds of hostile pair, each a function of the pair's number and a random source. */
export const HOSTILE_KINDS: Record<string, (n: number, next: () => number) => { path: string; pair: Partial<WirePair> & Record<string, unknown> }> = {
  // Distinct paths of 8 KiB (the contract's limit), folding to ever new routes, then `other`.
  longPath: (n, next) => ({ path: `/r${n}/${text(next, 8000)}`, pair: {} }),
  // Long queries on one route: the route labeller must not keep them.
  longQuery: (n, next) => ({ path: `/users/${n}?q=${text(next, 8100)}`, pair: {} }),
  // 64 request headers and 63 response headers per side, 1 KiB each.
  manyHeaders: (n, next) => {
    const headers = (side: string, count: number) => Array.from({ length: count }, (_, i) => ({ name: `x-${side}-${i}`, value: text(next, 1024) }));
    return {
      path: `/headers/${n}`,
      pair: { request_headers: headers("q", 64), primary: answer('{"a":1}', [JSON_TYPE, ...headers("p", 63)]), targets: [{ ...answer('{"a":2}', [JSON_TYPE, ...headers("s", 63)]), name: "shadow" }] },
    };
  },
  // Ids of 300 characters (dropped) and of exactly 128 bytes, all distinct.
  longId: (n, next) => ({ path: `/ids/${n}`, pair: { id: next() < 0.5 ? `${n}-${text(next, 300)}` : `${n}-${text(next, 128)}`.slice(0, 128) } }),
  // JSON nested 20,000 deep on both sides: over the work budget.
  deepJson: (n) => ({ path: `/deep/${n}`, pair: { primary: answer(nested(20_000, "1")), targets: [{ ...answer(nested(20_000, "2")), name: "shadow" }] } }),
  // 512 KiB JSON bodies that differ: parsed, compared, cut when stored.
  bigBody: (n, next) => {
    const blob = text(next, 512 * 1024);
    return { path: `/big/${n}`, pair: { primary: answer(JSON.stringify({ blob, v: 1 })), targets: [{ ...answer(JSON.stringify({ blob, v: 2 })), name: "shadow" }] } };
  },
  // Numbers past a double's precision, compared exactly.
  bigNumbers: (n) => {
    const numbers = (last: number) => JSON.stringify(Array.from({ length: 200 }, (_, i) => `1234567890123456789${i}`)).replaceAll('"', "").replace(/\]$/, `,${last}]`);
    return { path: `/numbers/${n}`, pair: { primary: answer(numbers(1)), targets: [{ ...answer(numbers(2)), name: "shadow" }] } };
  },
  // 500 random keys on each side: a thousand differences, every field name new.
  manyFields: (n, next) => {
    const body = () => JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, () => [text(next, 24), next()])));
    return { path: `/fields/${n}`, pair: { primary: answer(body()), targets: [{ ...answer(body()), name: "shadow" }] } };
  },
  // A new proxy id (256 bytes) and an 8 KiB content-type on every pair.
  strangers: (n, next) => {
    const contentType = { name: "content-type", value: `application/json; x=${text(next, 8000)}` };
    return { path: `/strangers/${n}`, pair: { proxy_id: text(next, 256), primary: answer('{"a":1}', [contentType]), targets: [{ ...answer('{"a":3}', [contentType]), name: "shadow" }] } };
  },
  // A status no HTTP server sends (dropped), and a 1 KiB gzip body that would expand to 64 MiB.
  oddities: (n, next) =>
    next() < 0.5
      ? { path: `/status/${n}`, pair: { primary: answer("{}", [JSON_TYPE], { status: 1000 }) } }
      : { path: `/bomb/${n}`, pair: { primary: answer(GZIP_BOMB, [JSON_TYPE, { name: "content-encoding", value: "gzip" }]) } },
};

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `length` random letters and digits. */
function text(next: () => number, length: number): string {
  // Repeating a random block keeps generation cheap; the value still differs from every other.
  const block = Array.from({ length: Math.min(length, 64) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join("");
  return block.repeat(Math.ceil(length / block.length)).slice(0, length);
}

/** Batch number `b` of the load: `pairs` pairs, the kinds in turn. */
export function hostileBatch(b: number, pairs: number, seed = 1): Buffer {
  const next = seededRandom(seed * 1_000_003 + b);
  const kinds = Object.values(HOSTILE_KINDS);
  const wire = Array.from({ length: pairs }, (_, i) => {
    const n = b * pairs + i;
    const { path, pair } = (kinds[n % kinds.length] as (typeof kinds)[number])(n, next);
    return {
      id: `hostile-${n}`,
      proxy_id: "soak",
      method: "GET",
      authority: "soak.local",
      path,
      primary: answer('{"a":1}'),
      targets: [{ ...answer('{"a":2}'), name: "shadow" }],
      ...pair,
    };
  });
  return encodeBatch(wire);
}

/** A batch of ordinary pairs, as large in count: the baseline the hostile load is compared with. */
export function benignBatch(b: number, pairs: number): Buffer {
  return encodeBatch(
    Array.from({ length: pairs }, (_, i) => {
      const n = b * pairs + i;
      const body = (price: number) => JSON.stringify({ id: n, name: `product ${n}`, price, tags: ["a", "b"] });
      return { id: `benign-${n}`, proxy_id: "soak", method: "GET", authority: "soak.local", path: `/products/${n % 100}`, primary: answer(body(1)), targets: [{ ...answer(body(n % 10 === 0 ? 2 : 1)), name: "shadow" }] };
    }),
  );
}

export interface LoadResult {
  batches: number;
  pairsAccepted: number;
  pairsDropped: number;
  /** Batches refused because the queue was full, then sent again. */
  retries: number;
}

/**
 * Sends `batches` batches made by `batch`, `inFlight` calls at a time; a batch refused because the
 * queue is full is sent again once a call in flight has been answered. Any other refusal of a
 * whole batch is an error (a hostile batch always holds some valid pair).
 */
export async function sendLoad(address: string, batches: number, batch: (b: number) => Buffer, inFlight = 4): Promise<LoadResult> {
  const client = new ReportClient(address);
  const result: LoadResult = { batches, pairsAccepted: 0, pairsDropped: 0, retries: 0 };
  let next = 0;
  const worker = async () => {
    while (next < batches) {
      const bytes = batch(next++);
      for (;;) {
        const reply = await client.report(bytes);
        if (reply.error === undefined) {
          result.pairsAccepted += reply.accepted;
          result.pairsDropped += reply.dropped;
          break;
        }
        if (reply.error.code !== grpc.status.RESOURCE_EXHAUSTED || !reply.error.details.startsWith("queue full")) throw reply.error;
        result.retries++;
        // Let the queue drain a little: the collector is answering the other workers' calls.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    client.close();
  }
  return result;
}
