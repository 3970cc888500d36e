// The one line a list shows for a stored example: what matters first, noise only counted after it.
import { describe, expect, it } from "vitest";
import type { Comparison } from "../../host/compare/comparison.js";
import { summarize } from "../../host/mismatches/mismatch-record.js";

const changed = (path: string) => ({ path, kind: "changed" as const });

function mismatch(paths: string[], noise?: Comparison["noise"], extra: Partial<Comparison> = {}): Comparison {
  return { outcome: "mismatch", headers: [], latencyRatio: 1, body: { kind: "json", differences: paths.map(changed), differencesCapped: false }, ...(noise ? { noise } : {}), ...extra };
}

describe("an example's summary", () => {
  it("leads with the regression and counts the noise after it, wherever the noise came in the body", () => {
    const comparison = mismatch(["$.requestId", "$.tags[0]", "$.price", "$.tags[1]", "$.tags[2]", "$.timestamp"], {
      cancelled: [
        { field: "$.requestId", kind: "changed", by: "secondary" },
        { field: "$.tags[*]", kind: "changed", by: "counts" },
        { field: "$.timestamp", kind: "changed", by: "secondary" },
      ],
    });
    expect(summarize(comparison)).toBe("changed $.price; 5 noise differences cancelled");
  });

  it("says differences on one field once, with how many: a list's elements are one field", () => {
    const comparison = mismatch(["$.items[0].price", "$.items[3].price", "$.items[1].sku", "$.tags[0]", "$.tags[1]"], { cancelled: [], pending: [{ field: "$.tags[*]", kind: "changed" }] });
    expect(summarize(comparison)).toBe("changed $.items[*].price ×2; changed $.items[1].sku; changed $.tags[*] ×2 (not settled)");
  });

  it("lists differences not settled yet after the regressions, and says so", () => {
    const comparison = mismatch(["$.name", "$.price"], { cancelled: [], pending: [{ field: "$.name", kind: "changed" }] });
    expect(summarize(comparison)).toBe("changed $.price; changed $.name (not settled)");
    const waiting: Comparison = { ...mismatch(["$.name"], { cancelled: [{ field: "$.at", kind: "changed", by: "counts" }], pending: [{ field: "$.name", kind: "changed" }] }), outcome: "inconclusive", inconclusive: { reason: "noise_pending", detail: "" } };
    expect(summarize(waiting)).toBe("changed $.name (not settled)");
  });

  it("status and headers are judged like fields: noise on them is counted, not listed", () => {
    const comparison = mismatch([], { cancelled: [{ field: "status", kind: "status", by: "secondary" }] }, { status: { primary: 200, shadow: 503 }, headers: [{ name: "etag", primary: "a", shadow: "b" }] });
    expect(summarize(comparison)).toBe("header etag; 1 noise difference cancelled");
  });

  it("five differences at most, then how many more, then the noise", () => {
    const paths = ["$.a", "$.b", "$.c", "$.d", "$.e", "$.f", "$.g", "$.at"];
    expect(summarize(mismatch(paths, { cancelled: [{ field: "$.at", kind: "changed" }] }))).toBe("changed $.a; changed $.b; changed $.c; changed $.d; changed $.e; … 2 more; 1 noise difference cancelled");
  });

  it("a failed target, a cut body and a pair without noise read as before", () => {
    expect(summarize({ outcome: "mismatch", shadowFailure: "timeout", headers: [], latencyRatio: null })).toBe("shadow failed: timeout");
    expect(summarize({ outcome: "inconclusive", inconclusive: { reason: "truncated", detail: "" }, headers: [], latencyRatio: 1 })).toBe("inconclusive: truncated");
    expect(summarize(mismatch(["$.price"]))).toBe("changed $.price");
  });
});
