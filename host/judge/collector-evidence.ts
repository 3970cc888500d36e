// The judge's evidence from one collector's own state: the noise book's recount of each line and
// the summary's paired latencies. What /api/verdict, the page and /metrics judge from.
import type { NoiseBook } from "../noise/noise-model.js";
import type { PairedLatencies } from "../summary/paired-latencies.js";
import type { SummaryBook } from "../summary/summary.js";
import type { JudgeSample } from "../metrics/collector-metrics.js";
import { lineBudget } from "./error-budget.js";
import { DEFAULT_THRESHOLDS, type LineEvidence } from "./line-judgement.js";
import { pairedP95Statistic, type RatioStatistic } from "./quantile-ratio.js";
import type { EvidenceSource } from "./verdict.js";

export class CollectorEvidence {
  /** Latency statistics by sample, recomputed only when the sample grew. */
  private readonly statistics = new WeakMap<PairedLatencies, { size: number; statistic: RatioStatistic | null }>();

  constructor(
    private readonly summary: SummaryBook,
    private readonly noise: NoiseBook,
  ) {}

  /** A source for one verdict: the lines and proxies as they are now. */
  source(): EvidenceSource {
    return {
      lines: () => this.summary.lines(),
      evidence: (route, target, fieldAlphaPerSide) => this.evidence(route, target, fieldAlphaPerSide),
      proxies: this.summary.proxies().total,
    };
  }

  evidence(route: string, target: string, fieldAlphaPerSide: number): LineEvidence {
    const counts = this.noise.lineCounts(route, target, fieldAlphaPerSide) ?? this.summary.counts(route, target);
    const report = this.noise.report(route, fieldAlphaPerSide);
    const pendingFields = report.fields
      .filter((field) => field.targets.some((each) => each.target === target && each.class === "pending"))
      .map(({ field, kind }) => {
        const fieldCounts = this.noise.fieldCounts(route, target, { field, kind });
        return { field, kind, ...(fieldCounts === undefined ? {} : { counts: fieldCounts }) };
      });
    const pairs = this.summary.latencyPairs(route, target);
    const on = report.state === "on";
    return {
      route,
      target,
      matched: counts.matched,
      mismatched: counts.mismatched,
      pending: counts.pending,
      inconclusive: this.summary.inconclusive(route, target),
      noise: { on, share: report.secondaryShare, secondaryPairs: report.secondaryPairs, pendingFields },
      latency: {
        secondaryConfigured: on,
        targetVsPrimary: pairs === undefined ? null : this.statistic(pairs.vsPrimary),
        targetVsSecondary: pairs === undefined ? null : this.statistic(pairs.vsSecondary),
        secondaryVsPrimary: pairs === undefined ? null : this.statistic(pairs.secondaryVsPrimary),
      },
      proxies: this.summary.routeProxies(route),
    };
  }

  /** Every line's evidence at the default confidence, for /metrics (Prometheus pools it over collectors). */
  samples(): JudgeSample[] {
    const lines = this.summary.lines();
    const alpha = lineBudget(DEFAULT_THRESHOLDS.confidence, lines.length, true).fieldPerSide;
    return lines.map(({ route, target }) => {
      const evidence = this.evidence(route, target, alpha);
      const latency: JudgeSample["latency"] = [];
      const add = (versus: JudgeSample["latency"][number]["versus"], statistic: RatioStatistic | null) => {
        if (statistic !== null) latency.push({ versus, ...statistic });
      };
      add("primary", evidence.latency.targetVsPrimary);
      add("secondary", evidence.latency.targetVsSecondary);
      add("path", evidence.latency.secondaryVsPrimary);
      return { route, target, matched: evidence.matched, mismatched: evidence.mismatched, pending: evidence.pending, latency };
    });
  }

  private statistic(latencies: PairedLatencies): RatioStatistic | null {
    const cached = this.statistics.get(latencies);
    if (cached !== undefined && cached.size === latencies.size) return cached.statistic;
    const [first, second] = latencies.sides();
    const statistic = pairedP95Statistic(first, second);
    this.statistics.set(latencies, { size: latencies.size, statistic });
    return statistic;
  }
}
