// Noise cancellation, after Diffy: where the primary's own version disagrees with itself (primary
// vs secondary), a difference is noise, not a regression. Pure and deterministic: the state is the
// counts of the pairs judged so far, in the order they were judged, and nothing else (no clock).

/** One difference of a comparison: the field (array indices folded to [*]) and its kind. */
export interface FieldDifference {
  field: string;
  kind: string;
}

export interface NoiseSettings {
  /** Pairs with a secondary a route needs before its noise is trusted; until then it warms up. */
  warmupPairs: number;
  /** A field is noisy when primary and secondary differ on it in at least this share of pairs. */
  minNoiseRate: number;
  /** A target's raw rate is clearly above the noise rate past noise × (1 + relative) ... */
  relativeMargin: number;
  /** ... and past noise + absolute (and past four standard errors of the two rates' difference). */
  absoluteMargin: number;
}

export const DEFAULT_NOISE_SETTINGS: NoiseSettings = { warmupPairs: 50, minNoiseRate: 0.01, relativeMargin: 0.2, absoluteMargin: 0.03 };

export interface NoiseLimits {
  /** Routes tracked; a route past it is never cancelled (judged as without a secondary). */
  maxRoutes: number;
  /** Fields tracked per route; a field past it is never noisy. */
  maxFields: number;
  /** Targets tracked per route; a target past it is never cancelled. */
  maxTargets: number;
  /** Longer field paths are never noisy. */
  maxFieldChars: number;
}

export const DEFAULT_NOISE_LIMITS: NoiseLimits = { maxRoutes: 101, maxFields: 64, maxTargets: 16, maxFieldChars: 200 };

/** What comparing the primary with one target found, as the noise model reads it. */
export interface TargetDifferences {
  target: string;
  /** Null when the comparison says nothing about fields (the target failed, or was inconclusive). */
  differences: readonly FieldDifference[] | null;
}

/** One target's differences, split. */
export interface NoiseJudgement {
  /** Differences that are noise: v1 differs there too (in this pair, or often enough, the same way). */
  cancelled: readonly FieldDifference[];
  /** Differences that stand. */
  remaining: readonly FieldDifference[];
}

const NONE: readonly FieldDifference[] = [];

export type NoiseState = "off" | "warmup" | "ready";

export interface PairNoise {
  /** off: the route has never had a secondary; warmup: fewer than warmupPairs of them. */
  state: NoiseState;
  targets: NoiseJudgement[];
}

/** A field's counts and verdict, as reported. */
export interface NoiseFieldReport {
  field: string;
  /** Pairs with a secondary where primary and secondary differed on the field. */
  noise: number;
  noiseRate: number;
  /** Kinds of difference seen between primary and secondary (changed, added, removed, type, ...). */
  kinds: string[];
  /** Noisy: differences of those kinds on this field are cancelled (unless a target's raw rate is clearly above). */
  noisy: boolean;
  targets: { target: string; raw: number; rawRate: number; regressed: boolean }[];
}

export interface RouteNoiseReport {
  state: NoiseState;
  /** Pairs with a secondary that could be compared. */
  secondaryPairs: number;
  warmupPairs: number;
  /** Fields where primary and secondary ever differed, noisiest first. */
  fields: NoiseFieldReport[];
}

const KINDS = ["changed", "added", "removed", "type", "status", "header"];

class FieldCounts {
  noise = 0;
  /** Bit i set: KINDS[i] seen between primary and secondary. */
  noiseKinds = 0;
  readonly raw = new Map<string, number>();
}

class RouteNoise {
  secondaryPairs = 0;
  /** Per target: pairs with a secondary where the target's comparison was conclusive. */
  readonly rawPairs = new Map<string, number>();
  readonly fields = new Map<string, FieldCounts>();
}

function kindBit(kind: string): number {
  const index = KINDS.indexOf(kind);
  return index < 0 ? 0 : 1 << index;
}

/** Distinct fields of a list, and each field's kinds as bits. */
function byField(differences: readonly FieldDifference[]): Map<string, number> {
  const fields = new Map<string, number>();
  for (const { field, kind } of differences) fields.set(field, (fields.get(field) ?? 0) | kindBit(kind));
  return fields;
}

/**
 * Per route and field: raw differences (primary vs each target), noise differences (primary vs
 * secondary) and the pairs with a secondary behind both rates. Bounded by NoiseLimits.
 */
export class NoiseBook {
  private readonly routes = new Map<string, RouteNoise>();
  /** Some pair has carried a secondary: the filter is configured with one. */
  private secondarySeen = false;

  constructor(
    private readonly settings: NoiseSettings = DEFAULT_NOISE_SETTINGS,
    private readonly limits: NoiseLimits = DEFAULT_NOISE_LIMITS,
  ) {}

  /**
   * Counts one pair, then judges each target's differences with the counts that include it.
   * `secondary` is null when the pair has no secondary that could be compared.
   */
  judge(route: string, secondary: readonly FieldDifference[] | null, targets: readonly TargetDifferences[]): PairNoise {
    let state = this.routes.get(route);
    if (state === undefined && secondary !== null && this.routes.size < this.limits.maxRoutes) {
      state = new RouteNoise();
      this.routes.set(route, state);
    }
    if (state === undefined) {
      // No secondary on the route yet: nothing to count, nothing cancels (the common case, kept
      // cheap). Once pairs elsewhere carry one, the secondary is configured and this route's first
      // pairs merely came before its own: it is warming up, not judged without noise.
      const warming = this.secondarySeen && this.routes.size < this.limits.maxRoutes;
      return { state: warming ? "warmup" : "off", targets: targets.map(({ differences }) => ({ cancelled: NONE, remaining: differences ?? NONE })) };
    }
    this.secondarySeen ||= secondary !== null;
    const noiseHere = secondary === null ? new Map<string, number>() : byField(secondary);
    if (secondary !== null) this.count(state, noiseHere, targets);
    const warm = state.secondaryPairs < this.settings.warmupPairs;
    return {
      state: warm ? "warmup" : "ready",
      targets: targets.map(({ target, differences }) => {
        const cancelled: FieldDifference[] = [];
        const remaining: FieldDifference[] = [];
        for (const difference of differences ?? NONE) (this.cancels(state, target, difference, noiseHere, warm) ? cancelled : remaining).push(difference);
        return { cancelled, remaining };
      }),
    };
  }

  private count(state: RouteNoise, noiseHere: Map<string, number>, targets: readonly TargetDifferences[]): void {
    state.secondaryPairs++;
    for (const [field, kinds] of noiseHere) {
      const counts = this.fieldCounts(state, field);
      if (counts === undefined) continue;
      counts.noise++;
      counts.noiseKinds |= kinds;
    }
    for (const { target, differences } of targets) {
      if (differences === null) continue;
      if (!state.rawPairs.has(target) && state.rawPairs.size >= this.limits.maxTargets) continue;
      state.rawPairs.set(target, (state.rawPairs.get(target) ?? 0) + 1);
      for (const field of byField(differences).keys()) {
        const counts = this.fieldCounts(state, field);
        if (counts !== undefined) counts.raw.set(target, (counts.raw.get(target) ?? 0) + 1);
      }
    }
  }

  private fieldCounts(state: RouteNoise, field: string): FieldCounts | undefined {
    let counts = state.fields.get(field);
    if (counts === undefined && state.fields.size < this.limits.maxFields && field.length <= this.limits.maxFieldChars) {
      counts = new FieldCounts();
      state.fields.set(field, counts);
    }
    return counts;
  }

  private cancels(state: RouteNoise, target: string, { field, kind }: FieldDifference, noiseHere: Map<string, number>, warm: boolean): boolean {
    const counts = state.fields.get(field);
    if (counts === undefined || !state.rawPairs.has(target)) return false;
    const bit = kindBit(kind);
    if (bit === 0) return false;
    // During warm-up only this pair's secondary can say a difference is noise.
    if (warm) return ((noiseHere.get(field) ?? 0) & bit) !== 0;
    if (this.regressed(state, counts, target)) return false;
    if (((noiseHere.get(field) ?? 0) & bit) !== 0) return true;
    return this.noisy(state, counts) && (counts.noiseKinds & bit) !== 0;
  }

  private noiseRate(state: RouteNoise, counts: FieldCounts): number {
    return state.secondaryPairs === 0 ? 0 : counts.noise / state.secondaryPairs;
  }

  private noisy(state: RouteNoise, counts: FieldCounts): boolean {
    return counts.noise > 0 && this.noiseRate(state, counts) >= this.settings.minNoiseRate;
  }

  /** The target differs on the field clearly more often than v1 differs from itself there. */
  private regressed(state: RouteNoise, counts: FieldCounts, target: string): boolean {
    const pairs = state.rawPairs.get(target) ?? 0;
    if (pairs === 0) return false;
    const raw = (counts.raw.get(target) ?? 0) / pairs;
    const noise = this.noiseRate(state, counts);
    const { relativeMargin, absoluteMargin } = this.settings;
    // Both rates are estimates: the margin is that of their difference. Four standard errors, not
    // three, because the question is asked again on every pair.
    const standardError = Math.sqrt((noise * (1 - noise)) / state.secondaryPairs + (raw * (1 - raw)) / pairs);
    return raw > noise + Math.max(noise * relativeMargin, absoluteMargin, 4 * standardError);
  }

  /** The route's noise as people read it; fields where v1 never differed from itself are left out. */
  report(route: string, maxFields = this.limits.maxFields): RouteNoiseReport {
    const state = this.routes.get(route);
    const warmupPairs = this.settings.warmupPairs;
    if (state === undefined) return { state: "off", secondaryPairs: 0, warmupPairs, fields: [] };
    const fields = [...state.fields.entries()]
      .filter(([, counts]) => counts.noise > 0)
      .sort(([a, x], [b, y]) => y.noise - x.noise || (a < b ? -1 : 1))
      .slice(0, maxFields)
      .map(([field, counts]): NoiseFieldReport => ({
        field,
        noise: counts.noise,
        noiseRate: this.noiseRate(state, counts),
        kinds: KINDS.filter((kind) => (counts.noiseKinds & kindBit(kind)) !== 0),
        noisy: this.noisy(state, counts),
        targets: [...state.rawPairs.entries()].map(([target, pairs]) => ({
          target,
          raw: counts.raw.get(target) ?? 0,
          rawRate: (counts.raw.get(target) ?? 0) / pairs,
          regressed: this.regressed(state, counts, target),
        })),
      }));
    return { state: state.secondaryPairs < warmupPairs ? "warmup" : "ready", secondaryPairs: state.secondaryPairs, warmupPairs, fields };
  }

  /** Per route: pairs with a secondary and the noisy fields' rates (for the metrics). */
  noisyFields(): { route: string; secondaryPairs: number; warmingUp: boolean; noisyFields: { field: string; noiseRate: number }[] }[] {
    return [...this.routes.entries()].map(([route, state]) => ({
      route,
      secondaryPairs: state.secondaryPairs,
      warmingUp: state.secondaryPairs < this.settings.warmupPairs,
      noisyFields: [...state.fields.entries()].filter(([, counts]) => this.noisy(state, counts)).map(([field, counts]) => ({ field, noiseRate: this.noiseRate(state, counts) })),
    }));
  }

  /** Fields counted over every route, for the bounded-memory test. */
  get fieldCount(): number {
    let fields = 0;
    for (const state of this.routes.values()) fields += state.fields.size;
    return fields;
  }
}
