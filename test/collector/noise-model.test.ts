import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_NOISE_LIMITS, DEFAULT_NOISE_SETTINGS, NoiseBook, type FieldDifference } from "../../host/noise/noise-model.js";
import { seededRandom } from "../../support/seeded-random.js";

/** Each side's error rate for the fields' bounds, as the judge gives it for a service of 10 lines at 95%. */
const ALPHA = 0.05 / 10 / 2 / 2 / 128;
const changed = (field: string): FieldDifference => ({ field, kind: "changed" });
const removed = (field: string): FieldDifference => ({ field, kind: "removed" });

/** `count` pairs on `route` with a secondary on every one (differing as `noise(i)`), and target v2 differing as `raw(i)`. */
function feed(book: NoiseBook, route: string, count: number, noise: (i: number) => FieldDifference[] | null, raw: (i: number) => FieldDifference[], share = 1): void {
  for (let i = 0; i < count; i++) book.judge(route, share, noise(i), [{ target: "v2", differences: raw(i) }], ALPHA);
}

describe("the noise model", () => {
  it("without a secondary configured, every difference is a regression, judged at once", () => {
    const book = new NoiseBook();
    const judged = book.judge("/a", 0, null, [{ target: "v2", differences: [changed("$.at")] }], ALPHA);
    expect(judged).toEqual({ state: "off", targets: [{ cancelled: [], remaining: [changed("$.at")], pending: [] }] });
    expect(book.lineCounts("/a", "v2", ALPHA)).toEqual({ matched: 0, mismatched: 1, pending: 0 });
  });

  it("a pair's own secondary differing the same way cancels the difference, whatever the counts", () => {
    const book = new NoiseBook();
    const judged = book.judge("/a", 1, [changed("$.at")], [{ target: "v2", differences: [changed("$.at")] }], ALPHA);
    expect(judged.targets[0]).toEqual({ cancelled: [{ ...changed("$.at"), by: "secondary" }], remaining: [], pending: [] });
    expect(book.lineCounts("/a", "v2", ALPHA)).toEqual({ matched: 1, mismatched: 0, pending: 0 });
  });

  it("a difference v1 has not shown yet waits as pending while a secondary is configured, and is a regression once the secondaries say so", () => {
    const book = new NoiseBook();
    // v2 removes a field in every pair; v1 never does, in 20 secondaries.
    let last;
    for (let i = 0; i < 60; i++) {
      last = book.judge("/a", 0.3, i % 3 === 0 ? [] : null, [{ target: "v2", differences: [removed("$.name")] }], ALPHA);
      if (i === 0) expect(last.targets[0]).toEqual({ cancelled: [], remaining: [], pending: [removed("$.name")] });
    }
    expect(book.report("/a", ALPHA).secondaryPairs).toBe(20);
    expect(last?.targets[0]).toEqual({ cancelled: [], remaining: [removed("$.name")], pending: [] });
    // Recounted: the first pairs, pending when they came, are mismatches now.
    expect(book.lineCounts("/a", "v2", ALPHA)).toEqual({ matched: 0, mismatched: 60, pending: 0 });
  });

  it("a field v1 and the target stamp alike is noise by the counts: pairs without a secondary are recounted as matches", () => {
    const book = new NoiseBook();
    // A secondary on every tenth pair; every answer stamps its own time.
    feed(book, "/a", 1000, (i) => (i % 10 === 0 ? [changed("$.at")] : null), () => [changed("$.at")], 0.1);
    expect(book.report("/a", ALPHA).fields).toEqual([{ field: "$.at", kind: "changed", noise: 100, noiseRate: 1, targets: [{ target: "v2", raw: 1000, rawRate: 1, class: "noise" }] }]);
    expect(book.lineCounts("/a", "v2", ALPHA)).toEqual({ matched: 1000, mismatched: 0, pending: 0 });
    // Each cancelled difference says what cancelled it: the pair's own secondary, or the counts.
    expect(book.judge("/a", 0.1, null, [{ target: "v2", differences: [changed("$.at")] }], ALPHA).targets[0]?.cancelled).toEqual([{ ...changed("$.at"), by: "counts" }]);
    expect(book.judge("/a", 0.1, [changed("$.at")], [{ target: "v2", differences: [changed("$.at")] }], ALPHA).targets[0]?.cancelled).toEqual([{ ...changed("$.at"), by: "secondary" }]);
  });

  it("a field that v1 and the target shuffle alike is never called a regression, however the counts fall", () => {
    // A list of three in a random order: primary and secondary, like primary and target, differ in
    // 5 pairs of 6. Half the pairs have a secondary, as in the demo.
    for (let seed = 1; seed <= 20; seed++) {
      const next = seededRandom(seed);
      const shuffled = (): FieldDifference[] => (next() < 5 / 6 ? [changed("$.tags[*]")] : []);
      const book = new NoiseBook();
      let regressions = 0;
      for (let i = 0; i < 2000; i++) {
        const secondary = next() < 0.5 ? shuffled() : null;
        regressions += book.judge("/a", 0.5, secondary, [{ target: "v3", differences: shuffled() }], ALPHA).targets[0]!.remaining.length;
      }
      expect(regressions, `seed ${seed}`).toBe(0);
      expect(book.lineCounts("/a", "v3", ALPHA)?.mismatched, `seed ${seed}`).toBe(0);
    }
  });

  it("a regression on a noisy field: the target differs there far more often than v1 does, so nothing on it is cancelled", () => {
    const book = new NoiseBook();
    // v1 differs from itself on $.at in 1 pair of 10; the target in every pair.
    feed(book, "/a", 300, (i) => (i % 10 === 0 ? [changed("$.at")] : []), () => [changed("$.at")]);
    expect(book.report("/a", ALPHA).fields[0]).toMatchObject({ field: "$.at", noiseRate: 0.1, targets: [{ target: "v2", rawRate: 1, class: "regression" }] });
    // Only the pairs whose own secondary differed there are cancelled.
    expect(book.lineCounts("/a", "v2", ALPHA)).toEqual({ matched: 30, mismatched: 270, pending: 0 });
  });

  it("kinds apart: v1 changes a value, the target removes it — the removal is no noise", () => {
    const book = new NoiseBook();
    feed(book, "/a", 200, () => [changed("$.at")], () => [removed("$.at")]);
    const fields = book.report("/a", ALPHA).fields;
    expect(fields.find((field) => field.kind === "removed")?.targets[0]?.class).toBe("regression");
    expect(book.lineCounts("/a", "v2", ALPHA)?.mismatched).toBe(200);
  });

  it("routes and targets are judged each on its own counts", () => {
    const book = new NoiseBook();
    for (let i = 0; i < 200; i++) {
      book.judge("/a", 1, [changed("$.at")], [{ target: "v2", differences: [changed("$.at"), changed("$.price")] }, { target: "v3", differences: [changed("$.at")] }], ALPHA);
    }
    const judged = book.judge("/b", 0, null, [{ target: "v3", differences: [changed("$.at")] }], ALPHA);
    expect(judged.targets[0]?.remaining).toEqual([changed("$.at")]);
    expect(book.lineCounts("/a", "v2", ALPHA)?.mismatched).toBe(200);
    expect(book.lineCounts("/a", "v3", ALPHA)).toMatchObject({ matched: 200, mismatched: 0 });
  });

  it("a failed target is a mismatch of its own kind, a cut list of differences never a match", () => {
    const book = new NoiseBook();
    book.judge("/a", 1, [changed("$.at")], [{ target: "v2", differences: null, failed: true }, { target: "v3", differences: [changed("$.at")], capped: true }], ALPHA);
    expect(book.lineCounts("/a", "v2", ALPHA)).toMatchObject({ mismatched: 1 });
    expect(book.lineCounts("/a", "v3", ALPHA)).toMatchObject({ mismatched: 1, matched: 0 });
    // An inconclusive comparison is not counted.
    book.judge("/a", 1, null, [{ target: "v2", differences: null }], ALPHA);
    expect(book.lineCounts("/a", "v2", ALPHA)).toMatchObject({ matched: 0, mismatched: 1, pending: 0 });
  });

  it("bounded memory: routes, fields per route, targets and difference sets are capped; past a cap a difference is never noise", () => {
    const limits = { ...DEFAULT_NOISE_LIMITS, maxRoutes: 2, maxFields: 3, maxTargets: 2, maxSignatures: 4 };
    const book = new NoiseBook(DEFAULT_NOISE_SETTINGS, limits);
    for (let i = 0; i < 10; i++) book.judge(`/r${i}`, 1, [changed("$.x")], [{ target: "v2", differences: [changed("$.x")] }], ALPHA);
    // Routes past the cap: no counts kept, every difference a regression.
    expect(book.judge("/r9", 1, [changed("$.x")], [{ target: "v2", differences: [changed("$.x")] }], ALPHA).targets[0]?.remaining).toEqual([changed("$.x")]);
    expect(book.report("/r9", ALPHA).state).toBe("off");
    for (let i = 0; i < 20; i++) book.judge("/r0", 1, [changed(`$.f${i}`)], [{ target: `t${i}`, differences: [changed(`$.f${i}`), changed(`$.g${i}`)] }], ALPHA);
    expect(book.report("/r0", ALPHA).fields).toHaveLength(3);
    expect(book.report("/r0", ALPHA).fields[0]!.targets).toHaveLength(2);
    // A field past the cap, even shown by the pair's own secondary, waits as pending.
    const late = book.judge("/r0", 1, [changed("$.late")], [{ target: "v2", differences: [changed("$.late")] }], ALPHA);
    expect(late.targets[0]).toEqual({ cancelled: [], remaining: [], pending: [changed("$.late")] });
    for (let i = 0; i < 10; i++) book.judge("/r1", 1, null, [{ target: "v2", differences: [changed(`$.s${i % 2}`), changed(`$.u${i}`)] }], ALPHA);
    const counts = book.lineCounts("/r1", "v2", ALPHA)!;
    // One pair from the first routes, ten here: six difference sets, four kept, the rest pending.
    expect(counts.matched + counts.mismatched + counts.pending).toBe(11);
    expect(counts.pending).toBeGreaterThanOrEqual(7);
  });

  it("property: the same pairs in the same order give the same judgements and counts (no clock, no randomness)", () => {
    const difference = fc.record({ field: fc.constantFrom("$.a", "$.b", "$.c[*]"), kind: fc.constantFrom("changed", "removed", "type") });
    const pair = fc.record({ secondary: fc.option(fc.array(difference, { maxLength: 3 })), raw: fc.array(difference, { maxLength: 3 }), share: fc.constantFrom(0, 0.5, 1) });
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 80 }), (pairs) => {
        const run = () => {
          const book = new NoiseBook();
          const judged = pairs.map(({ secondary, raw, share }) => book.judge("/a", share, secondary, [{ target: "v2", differences: raw }], ALPHA));
          return { judged, counts: book.lineCounts("/a", "v2", ALPHA) };
        };
        expect(run()).toEqual(run());
      }),
    );
  });

  it("property: every comparison is counted once, as a match, a mismatch or pending; and a difference no secondary has shown is never cancelled", () => {
    const difference = fc.record({ field: fc.constantFrom("$.a", "$.b"), kind: fc.constantFrom("changed", "removed") });
    const pair = fc.record({ secondary: fc.option(fc.array(difference, { maxLength: 2 })), raw: fc.array(difference, { maxLength: 2 }) });
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 60 }), (pairs) => {
        const book = new NoiseBook();
        const shown = new Set<string>();
        for (const { secondary, raw } of pairs) {
          for (const each of secondary ?? []) shown.add(`${each.field} ${each.kind}`);
          const { cancelled } = book.judge("/a", 0.5, secondary, [{ target: "v2", differences: raw }], ALPHA).targets[0]!;
          for (const each of cancelled) expect(shown.has(`${each.field} ${each.kind}`)).toBe(true);
        }
        const counts = book.lineCounts("/a", "v2", ALPHA)!;
        expect(counts.matched + counts.mismatched + counts.pending).toBe(pairs.length);
      }),
    );
  });
});
