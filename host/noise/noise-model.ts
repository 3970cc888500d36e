// Noise by evidence, after Diffy: where the primary's own version disagrees with itself (primary vs
// secondary), a target's difference of the same field and kind is noise, not a regression — once
// the counts say so (host/judge/field-class.ts). Until they do, the pairs it touches are pending.
// Pure and deterministic: the state is the counts of the pairs seen, in their order (no clock).
import { classifyField, DEFAULT_NOISE_SETTINGS, type FieldClass, type FieldCounts, type NoiseSettings } from "../judge/field-class.js";

export { DEFAULT_NOISE_SETTINGS, type FieldClass, type NoiseSettings };

/** One difference of a comparison: the field (array indices folded to [*]) and its kind. */
export interface FieldDifference {
  field: string;
  kind: string;
}

export interface NoiseLimits {
  /** Routes tracked; past it a route's differences are all regressions (judged as without a secondary). */
  maxRoutes: number;
  /** Field and kind pairs tracked per route; one past it stays pending. */
  maxFields: number;
  /** Targets tracked per route; a target past it is judged as without a secondary. */
  maxTargets: number;
  /** Longer field paths are never tracked (they stay pending). */
  maxFieldChars: number;
  /** Distinct sets of differences kept per route and target; pairs past it stay pending. */
  maxSignatures: number;
}

export const DEFAULT_NOISE_LIMITS: NoiseLimits = { maxRoutes: 101, maxFields: 64, maxTargets: 16, maxFieldChars: 200, maxSignatures: 1024 };

/** What comparing the primary with one target found, as the noise model reads it. */
export interface TargetDifferences {
  target: string;
  /** Null when the comparison says nothing about fields (inconclusive). */
  differences: readonly FieldDifference[] | null;
  /** The target gave no answer (timeout, reset...): a mismatch of its own kind, never noise. */
  failed?: boolean;
  /** The list of differences was cut short: what it does not list cannot be called noise. */
  capped?: boolean;
}

/** A difference cancelled as noise, and what cancelled it: this pair's own secondary, or the route's counts. */
export interface CancelledDifference extends FieldDifference {
  by: "secondary" | "counts";
}

/** One target's differences, split by what the counts say now. */
export interface NoiseJudgement {
  /** Noise: this pair's secondary differs the same way, or the field is noise by the counts. */
  cancelled: readonly CancelledDifference[];
  /** Regressions: v1 does not differ from itself like this (or far less often). */
  remaining: readonly FieldDifference[];
  /** Not settled yet: too few pairs with a secondary to tell. */
  pending: readonly FieldDifference[];
}

/** off: no pair on the route has said a secondary is configured (every difference counts). */
export type NoiseState = "off" | "on";

export interface PairNoise {
  state: NoiseState;
  targets: NoiseJudgement[];
}

/** A line's conclusive comparisons, split by what the counts say now. */
export interface LineCounts {
  matched: number;
  mismatched: number;
  /** Comparisons with a difference whose field is not settled yet. */
  pending: number;
}

export interface NoiseFieldReport {
  field: string;
  kind: string;
  /** Pairs with a secondary where primary and secondary differed like this. */
  noise: number;
  noiseRate: number;
  /** `class` is null for a target that never differed there (the field says nothing of it). */
  targets: { target: string; raw: number; rawRate: number; class: FieldClass | null }[];
}

export interface RouteNoiseReport {
  state: NoiseState;
  /** The secondary's share of mirrored requests, as the latest pair said (0 to 1); null before any said. */
  secondaryShare: number | null;
  /** Pairs with a secondary that could be compared. */
  secondaryPairs: number;
  /** Field and kind pairs seen on the route, v1's own first (noisiest first). */
  fields: NoiseFieldReport[];
}

const NONE: readonly FieldDifference[] = [];
const NONE_CANCELLED: readonly CancelledDifference[] = [];
/** Signature entries that are not fields: a failed target, a cut list, a field past the caps. */
const FAILED = -1;
const CAPPED = -2;
const UNTRACKED = -3;

interface Signature {
  /** Field ids (or the markers above), ascending. */
  ids: number[];
  count: number;
}

class LineEvidence {
  /** Conclusive comparisons whose fields are known (not failed). */
  comparable = 0;
  /** Per field id: comparisons where the target differed there. */
  readonly raw: number[] = [];
  /** Differences left after the pair's own secondary, by set: "" for exact matches. */
  readonly signatures = new Map<string, Signature>();
  /** Comparisons past maxSignatures: pending until the collector restarts. */
  overflow = 0;
}

class RouteEvidence {
  secondaryShare: number | null = null;
  secondaryPairs = 0;
  readonly ids = new Map<string, number>();
  readonly fields: FieldDifference[] = [];
  /** Per field id: pairs with a secondary where it differed there. */
  readonly noise: number[] = [];
  readonly lines = new Map<string, LineEvidence>();

  get on(): boolean {
    return (this.secondaryShare ?? 0) > 0 || this.secondaryPairs > 0;
  }
}

/**
 * Per route: pairs with a secondary and how often v1 differed from itself on each field and kind;
 * per route and target: how often the target differed, and how many comparisons left which set
 * of differences — so a pair is recounted as match, mismatch or pending as evidence grows.
 * Bounded by NoiseLimits.
 */
export class NoiseBook {
  private readonly routes = new Map<string, RouteEvidence>();

  constructor(
    private readonly settings: NoiseSettings = DEFAULT_NOISE_SETTINGS,
    private readonly limits: NoiseLimits = DEFAULT_NOISE_LIMITS,
  ) {}

  /**
   * Counts one pair, then splits each target's differences with the counts that include it, the
   * fields classified at `alphaPerSide`. `secondaryShare` is the share the filter says its
   * secondary has (0: none configured); `secondary` is null when the pair has no secondary that
   * could be compared.
   */
  judge(route: string, secondaryShare: number, secondary: readonly FieldDifference[] | null, targets: readonly TargetDifferences[], alphaPerSide: number): PairNoise {
    const evidence = this.route(route);
    if (evidence === undefined) {
      return { state: "off", targets: targets.map(({ differences }) => ({ cancelled: NONE_CANCELLED, remaining: differences ?? NONE, pending: NONE })) };
    }
    evidence.secondaryShare = secondaryShare;
    const noiseHere = new Set<number>();
    if (secondary !== null) {
      evidence.secondaryPairs++;
      for (const difference of secondary) {
        const id = this.fieldId(evidence, difference);
        if (id < 0 || noiseHere.has(id)) continue;
        noiseHere.add(id);
        evidence.noise[id] = (evidence.noise[id] ?? 0) + 1;
      }
    }
    return {
      state: evidence.on ? "on" : "off",
      targets: targets.map((each) => this.judgeTarget(evidence, each, noiseHere, alphaPerSide)),
    };
  }

  private judgeTarget(evidence: RouteEvidence, { target, differences, failed, capped }: TargetDifferences, noiseHere: Set<number>, alpha: number): NoiseJudgement {
    if (differences === null && !failed) return { cancelled: NONE_CANCELLED, remaining: NONE, pending: NONE };
    const line = this.line(evidence, target);
    const cancelled: CancelledDifference[] = [];
    const standing: { difference: FieldDifference; id: number }[] = [];
    const ids = new Set<number>();
    if (failed) ids.add(FAILED);
    if (capped) ids.add(CAPPED);
    if (line !== undefined && !failed) {
      line.comparable++;
      const counted = new Set<number>();
      for (const difference of differences ?? NONE) {
        const id = this.fieldId(evidence, difference);
        if (id >= 0 && !counted.has(id)) {
          counted.add(id);
          line.raw[id] = (line.raw[id] ?? 0) + 1;
        }
        // The pair's own secondary differs the same way: noise, whatever the counts.
        if (id >= 0 && noiseHere.has(id)) cancelled.push({ ...difference, by: "secondary" });
        else standing.push({ difference, id });
      }
    } else {
      for (const difference of differences ?? NONE) standing.push({ difference, id: UNTRACKED });
    }
    const remaining: FieldDifference[] = [];
    const pending: FieldDifference[] = [];
    for (const { difference, id } of standing) {
      const fieldClass = line === undefined ? "regression" : this.classOf(evidence, line, id, alpha);
      if (fieldClass === "noise") cancelled.push({ ...difference, by: "counts" });
      else (fieldClass === "regression" ? remaining : pending).push(difference);
      // Kept whatever its class is now: the class is asked again every time the line is counted.
      ids.add(id);
    }
    if (line !== undefined) this.countSignature(line, [...ids].sort((a, b) => a - b));
    return { cancelled, remaining, pending };
  }

  /** The line's comparisons as the counts classify their differences now, at `alphaPerSide`. */
  lineCounts(route: string, target: string, alphaPerSide: number): LineCounts | undefined {
    const evidence = this.routes.get(route);
    const line = evidence?.lines.get(target);
    if (evidence === undefined || line === undefined) return undefined;
    const counts: LineCounts = { matched: 0, mismatched: 0, pending: line.overflow };
    const classes = new Map<number, FieldClass>();
    const classOf = (id: number): FieldClass => {
      let fieldClass = classes.get(id);
      if (fieldClass === undefined) {
        fieldClass = this.classOf(evidence, line, id, alphaPerSide);
        classes.set(id, fieldClass);
      }
      return fieldClass;
    };
    for (const { ids, count } of line.signatures.values()) {
      let worst: FieldClass | "match" = "match";
      for (const id of ids) {
        const fieldClass = classOf(id);
        if (fieldClass === "regression") {
          worst = "regression";
          break;
        }
        if (fieldClass === "pending") worst = "pending";
      }
      if (worst === "regression") counts.mismatched += count;
      else if (worst === "pending") counts.pending += count;
      else counts.matched += count;
    }
    return counts;
  }

  /** Whether a route counts noise at all: a pair on it said a secondary is configured, or carried one. */
  state(route: string): NoiseState {
    return this.routes.get(route)?.on ? "on" : "off";
  }

  /** The route's evidence as people read it: every field and kind seen, with its class per target. */
  report(route: string, alphaPerSide: number, maxFields = this.limits.maxFields): RouteNoiseReport {
    const evidence = this.routes.get(route);
    if (evidence === undefined) return { state: "off", secondaryShare: null, secondaryPairs: 0, fields: [] };
    // Without a secondary there is no noise to tell of: every difference is a regression.
    if (!evidence.on) return { state: "off", secondaryShare: evidence.secondaryShare, secondaryPairs: 0, fields: [] };
    const fields = evidence.fields
      .map((difference, id): NoiseFieldReport => ({
        ...difference,
        noise: evidence.noise[id] ?? 0,
        noiseRate: evidence.secondaryPairs === 0 ? 0 : (evidence.noise[id] ?? 0) / evidence.secondaryPairs,
        targets: [...evidence.lines.entries()].map(([target, line]) => ({
          target,
          raw: line.raw[id] ?? 0,
          rawRate: line.comparable === 0 ? 0 : (line.raw[id] ?? 0) / line.comparable,
          class: (line.raw[id] ?? 0) === 0 ? null : this.classOf(evidence, line, id, alphaPerSide),
        })),
      }))
      .sort((a, b) => b.noise - a.noise || (a.field < b.field ? -1 : a.field > b.field ? 1 : a.kind < b.kind ? -1 : 1))
      .slice(0, maxFields);
    return { state: evidence.on ? "on" : "off", secondaryShare: evidence.secondaryShare, secondaryPairs: evidence.secondaryPairs, fields };
  }

  /** A field's counts on a line, for the judge's "what it needs". */
  fieldCounts(route: string, target: string, field: FieldDifference): FieldCounts | undefined {
    const evidence = this.routes.get(route);
    const line = evidence?.lines.get(target);
    const id = evidence?.ids.get(fieldKey(field));
    if (evidence === undefined || line === undefined || id === undefined) return undefined;
    return countsOf(evidence, line, id);
  }

  /** Every route with evidence (for the metrics). */
  routeNames(): string[] {
    return [...this.routes.keys()];
  }

  private classOf(evidence: RouteEvidence, line: LineEvidence, id: number, alpha: number): FieldClass {
    if (id === FAILED || id === CAPPED) return "regression";
    if (id === UNTRACKED) return evidence.on ? "pending" : "regression";
    if (!evidence.on) return "regression";
    return classifyField(countsOf(evidence, line, id), this.settings, alpha);
  }

  private route(route: string): RouteEvidence | undefined {
    let evidence = this.routes.get(route);
    if (evidence === undefined && this.routes.size < this.limits.maxRoutes) {
      evidence = new RouteEvidence();
      this.routes.set(route, evidence);
    }
    return evidence;
  }

  private line(evidence: RouteEvidence, target: string): LineEvidence | undefined {
    let line = evidence.lines.get(target);
    if (line === undefined && evidence.lines.size < this.limits.maxTargets) {
      line = new LineEvidence();
      evidence.lines.set(target, line);
    }
    return line;
  }

  /** The field's id on the route; UNTRACKED past the caps. */
  private fieldId(evidence: RouteEvidence, difference: FieldDifference): number {
    const key = fieldKey(difference);
    let id = evidence.ids.get(key);
    if (id === undefined) {
      if (evidence.fields.length >= this.limits.maxFields || difference.field.length > this.limits.maxFieldChars) return UNTRACKED;
      id = evidence.fields.length;
      evidence.ids.set(key, id);
      evidence.fields.push({ field: difference.field, kind: difference.kind });
    }
    return id;
  }

  private countSignature(line: LineEvidence, ids: number[]): void {
    const key = ids.join(",");
    const signature = line.signatures.get(key);
    if (signature !== undefined) signature.count++;
    else if (line.signatures.size < this.limits.maxSignatures) line.signatures.set(key, { ids, count: 1 });
    else line.overflow++;
  }
}

function fieldKey({ field, kind }: FieldDifference): string {
  return `${field}\u0000${kind}`;
}

function countsOf(evidence: RouteEvidence, line: LineEvidence, id: number): FieldCounts {
  return { secondaryPairs: evidence.secondaryPairs, noiseHits: evidence.noise[id] ?? 0, targetPairs: line.comparable, rawHits: line.raw[id] ?? 0 };
}
