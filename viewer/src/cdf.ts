// The latency distribution as the chart draws it: every side's empirical CDF on one x axis.

/**
 * `[x, ...sides]` for uPlot: x is every distinct latency of any side (milliseconds, ascending);
 * each side's y is the share of its sample at or below x, null for an empty side.
 */
export function cdfSeries(...sidesSeconds: (readonly number[])[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(sidesSeconds.flat())].sort((a, b) => a - b);
  const shareAtOrBelow = (sorted: readonly number[]): (number | null)[] => {
    if (sorted.length === 0) return xs.map(() => null);
    let seen = 0;
    return xs.map((x) => {
      while (seen < sorted.length && (sorted[seen] as number) <= x) seen++;
      return seen / sorted.length;
    });
  };
  return [xs.map((x) => x * 1000), ...sidesSeconds.map(shareAtOrBelow)];
}

/** Nearest-rank percentile of an ascending sample, as the collector computes p50 and p95. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
