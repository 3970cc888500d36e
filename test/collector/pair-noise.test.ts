import { describe, expect, it } from "vitest";
import type { Comparison } from "../../host/compare/comparison.js";
import { differencesOf, withNoise } from "../../host/pipeline/pair-processor.js";

const mismatch = (paths: string[], capped = false): Comparison => ({
  outcome: "mismatch",
  headers: [],
  latencyRatio: 1,
  body: { kind: "json", differences: paths.map((path) => ({ path, kind: "changed" })), differencesCapped: capped },
});
const at = { field: "$.at", kind: "changed" };
const price = { field: "$.price", kind: "changed" };
const atBySecondary = { ...at, by: "secondary" as const };

describe("a comparison with its noise taken out", () => {
  it("differences are folded and counted once per field and kind, status and headers included", () => {
    const comparison: Comparison = { ...mismatch(["$.items[0].at", "$.items[3].at", "$.price"]), status: { primary: 200, shadow: 500 }, headers: [{ name: "etag", primary: "a", shadow: "b" }] };
    expect(differencesOf(comparison)).toEqual([{ field: "status", kind: "status" }, { field: "etag", kind: "header" }, { field: "$.items[*].at", kind: "changed" }, price]);
    expect(differencesOf({ outcome: "mismatch", shadowFailure: "timeout", headers: [], latencyRatio: null })).toBeNull();
    expect(differencesOf({ outcome: "inconclusive", inconclusive: { reason: "budget", detail: "" }, headers: [], latencyRatio: null })).toBeNull();
  });

  it.each([
    ["every difference noise: a match that says what was cancelled", mismatch(["$.at"]), { cancelled: [atBySecondary], remaining: [], pending: [] }, "match"],
    ["noise and a regression: still a mismatch", mismatch(["$.at", "$.price"]), { cancelled: [{ ...at, by: "counts" as const }], remaining: [price], pending: [] }, "mismatch"],
    ["a regression and a field not settled: a mismatch", mismatch(["$.at", "$.price"]), { cancelled: [], remaining: [price], pending: [at] }, "mismatch"],
    ["differences past the listed ones cannot be called noise: a mismatch", mismatch(["$.at"], true), { cancelled: [atBySecondary], remaining: [], pending: [] }, "mismatch"],
    ["only fields not settled yet: inconclusive until the counts settle them", mismatch(["$.price"]), { cancelled: [], remaining: [], pending: [price] }, "inconclusive"],
    ["without noise on the route: unchanged", mismatch(["$.price"]), { cancelled: [], remaining: [price], pending: [] }, "mismatch"],
  ] as const)("%s", (_, comparison, judgement, outcome) => {
    const result = withNoise(comparison, { cancelled: [...judgement.cancelled], remaining: [...judgement.remaining], pending: [...judgement.pending] });
    expect(result.outcome).toBe(outcome);
    expect(result.noise?.cancelled ?? []).toEqual(judgement.cancelled);
    // What was not settled when the pair arrived is kept with it, beside what was cancelled.
    expect(result.noise?.pending ?? []).toEqual(judgement.pending);
    if (outcome === "inconclusive") expect(result.inconclusive).toEqual({ reason: "noise_pending", detail: expect.stringMatching(/\$\.price.*not settled/) });
  });

  it("a failed target stays a mismatch of its own kind", () => {
    const failed: Comparison = { outcome: "mismatch", shadowFailure: "reset", headers: [], latencyRatio: null };
    expect(withNoise(failed, { cancelled: [], remaining: [], pending: [] })).toBe(failed);
  });
});
