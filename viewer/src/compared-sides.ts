// What the page compares, as the pairs the collector has seen say it: the primary, every target
// and the secondary (the primary's own version asked again, the noise baseline).
import { ratioPercent } from "./format.js";
import type { Summary } from "./api.js";

export interface ComparedSides {
  /** Every target seen on any route, by name. */
  targets: string[];
  /** Null when no pair said a secondary is configured; `share` as the latest pairs said it (the largest over routes). */
  secondary: { share: number | null; pairs: number } | null;
}

export function comparedSides(summary: Summary): ComparedSides {
  // A collector from before targets were named compared one shadow.
  const targets = [...new Set(summary.routes.flatMap((route) => (route.targets === undefined ? ["shadow"] : route.targets.map((target) => target.target))))].sort();
  const withSecondary = summary.routes.filter((route) => route.noise?.state === "on");
  if (withSecondary.length === 0) return { targets, secondary: null };
  const shares = withSecondary.flatMap((route) => (route.noise.secondaryShare === null ? [] : [route.noise.secondaryShare]));
  return {
    targets,
    secondary: { share: shares.length === 0 ? null : Math.max(...shares), pairs: withSecondary.reduce((sum, route) => sum + route.noise.secondaryPairs, 0) },
  };
}

/** "primary vs v2, v3 · secondary (the primary's version again) on 50.0% of mirrored requests" */
export function comparedWords(sides: ComparedSides): string {
  if (sides.targets.length === 0) return "primary vs its targets: no pair compared yet";
  const versus = `primary vs ${sides.targets.join(", ")}`;
  if (sides.secondary === null) return versus;
  const share = sides.secondary.share === null ? "" : ` on ${ratioPercent(sides.secondary.share)} of mirrored requests`;
  return `${versus} · secondary (the primary's version again)${share}`;
}
