// Synthetic traffic for the collector benchmark: JSON bodies of a target size whose primary and
// shadow differ in fields the configuration ignores (a timestamp, request ids, generated_at), as
// live traffic does, and in one real field for a given share of pairs.

export interface BenchPair {
  id: string;
  path: string;
  primaryBody: Buffer;
  shadowBody: Buffer;
  mismatched: boolean;
}

/** Paths shadowdiff ignores for these bodies; also what the collector's config lists. */
export const BENCH_IGNORE_PATHS = ["$.timestamp", "$..request_id", "$.items[*].generated_at"];

function item(index: number, seed: number, generatedAt: number, requestId: string) {
  return {
    id: 1000 + index,
    name: `product ${seed % 97}-${index}`,
    price: ((seed * 31 + index * 7) % 10_000) / 100,
    tags: ["a", "b", index % 2 === 0 ? "even" : "odd"],
    stock: { warehouse: "eu-1", count: (seed + index) % 50 },
    generated_at: generatedAt,
    request_id: requestId,
  };
}

function body(targetBytes: number, seed: number, side: "primary" | "shadow", mismatched: boolean): Buffer {
  // Same length on both sides, so both bodies hold the same number of items.
  const requestId = `${side === "primary" ? "p" : "s"}-${seed.toString(16)}`;
  const timestamp = 1_700_000_000_000 + seed + (side === "shadow" ? 7 : 0);
  const items: object[] = [];
  const document = { request_id: requestId, timestamp, user: { id: seed % 5000, plan: "pro" }, items };
  // Grow by each item's own length (plus its comma) rather than re-serialising the document.
  let length = JSON.stringify(document).length;
  for (let index = 0; length < targetBytes; index++) {
    const next = item(index, seed, timestamp + index, requestId);
    if (side === "shadow" && mismatched && index === 0) next.price += 1;
    items.push(next);
    length += JSON.stringify(next).length + 1;
  }
  return Buffer.from(JSON.stringify(document));
}

/** `count` pairs of about `bodyBytes` each; every 1/mismatchShare-th pair differs in one price. */
export function benchPairs(count: number, bodyBytes: number, mismatchShare: number): BenchPair[] {
  const every = Math.round(1 / mismatchShare);
  return Array.from({ length: count }, (_, i) => {
    const mismatched = i % every === every - 1;
    return {
      id: `bench-${i}`,
      path: `/products/${i % 500}`,
      primaryBody: body(bodyBytes, i, "primary", false),
      shadowBody: body(bodyBytes, i, "shadow", mismatched),
      mismatched,
    };
  });
}
