import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchReader, InvalidBatchError } from "../../host/capture/batch-reader.js";
import { PAIR_DROP_REASONS } from "../../host/capture/capture-limits.js";
import { encodeBatch } from "../../support/report-client.js";
import { shadowTarget, wirePair } from "../../support/wire-pairs.js";

const reader = new BatchReader();

/** Reads `bytes`; the only error it may throw is InvalidBatchError. */
function readOrRefuse(bytes: Uint8Array): ReturnType<BatchReader["read"]> | InvalidBatchError {
  try {
    return reader.read(bytes);
  } catch (error) {
    if (error instanceof InvalidBatchError) return error;
    throw error;
  }
}

const valid = encodeBatch([
  wirePair({ id: "a", request_headers: [{ name: "x-a", value: "1" }] }),
  wirePair({ id: "b", targets: [shadowTarget({}, 2)] }),
  wirePair({ id: "c", path: "/ünïcode?q=1", targets: [shadowTarget({ status: 304 }), shadowTarget({ status: 200 }, 0, "v3")] }),
]);

/** A valid batch with some bytes overwritten, some inserted and perhaps its tail cut. */
const mutated = fc
  .record({
    writes: fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    inserts: fc.array(fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 16 })), { maxLength: 3 }),
    cut: fc.option(fc.nat(valid.length), { nil: undefined }),
  })
  .map(({ writes, inserts, cut }) => {
    let bytes = Buffer.from(valid);
    for (const [at, value] of writes) bytes[at] = value;
    for (const [at, extra] of inserts) bytes = Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)]);
    return cut === undefined ? bytes : bytes.subarray(0, cut);
  });

describe("the batch reader, fed anything", () => {
  it("arbitrary bytes: pairs and dropped pairs with a known reason, or InvalidBatchError, never another error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const result = readOrRefuse(bytes);
        if (result instanceof InvalidBatchError) return;
        for (const dropped of result.dropped) expect(PAIR_DROP_REASONS).toContain(dropped.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it("a valid batch mutated: every pair is taken or dropped by reason, the batch refused only when it cannot be cut", () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        const result = readOrRefuse(bytes);
        if (result instanceof InvalidBatchError) {
          expect(result.message).toMatch(/^malformed protobuf/);
          return;
        }
        const indices = [...result.dropped.map((d) => d.index)];
        expect(new Set(indices).size).toBe(indices.length);
        for (const dropped of result.dropped) {
          expect(PAIR_DROP_REASONS).toContain(dropped.reason);
          expect(dropped.message).toMatch(new RegExp(`^pairs\\[${dropped.index}\\]`));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("reads the unmutated batch whole, the target's failure and the first of several targets", () => {
    const { pairs, dropped } = reader.read(valid);
    expect(dropped).toEqual([]);
    expect(pairs.map((pair) => [pair.id, pair.targets.map((target) => [target.name, target.failure, target.response?.status ?? null])])).toEqual([
      ["a", [["shadow", null, 200]]],
      ["b", [["shadow", "reset", null]]],
      ["c", [["shadow", null, 304], ["v3", null, 200]]],
    ]);
  });
});
