// Why a difference of a pair is a regression, noise or not settled yet, in words: what cancelled
// it (the pair's own secondary, or the route's counts) and v1's own rate beside the target's.
import type { DifferenceClass } from "../../host/mismatches/difference-classes.js";
import { CLASS_WORDS } from "../../host/noise/noise-words.js";
import { count, ratioPercent } from "./format.js";

/** "v1 differs from itself here in 48.0% of 120 pairs with a secondary; v2 in 50.0%", or "" when the counts do not know the field. */
function rates(each: DifferenceClass, target: string): string {
  if (each.noiseRate === null) return "";
  const own = `v1 differs from itself here in ${ratioPercent(each.noiseRate)} of ${count(each.secondaryPairs)} ${each.secondaryPairs === 1 ? "pair" : "pairs"} with a secondary`;
  return each.targetRate === null ? own : `${own}; ${target} in ${ratioPercent(each.targetRate)}`;
}

/** One sentence: the class, what decided it, the rates, and the class it had when the pair arrived if that differs. */
export function differenceWhy(each: DifferenceClass, target: string): string {
  const counted = rates(each, target);
  let why: string;
  if (each.class === "noise") {
    why =
      each.by === "secondary"
        ? `cancelled in this pair by the secondary, which differed here too${counted === "" ? "" : ` (${counted})`}`
        : `cancelled by the route's counts${counted === "" ? "" : `: ${counted}`}`;
  } else if (each.class === "pending") {
    why = `too few pairs with a secondary to tell noise from regression${counted === "" ? "" : `: ${counted}`}`;
  } else {
    why = counted === "" ? (each.secondaryPairs === 0 ? "no secondary on this route to call it noise" : "v1 is not known to differ from itself here") : counted;
  }
  const then = each.classOnArrival !== null && each.classOnArrival !== each.class ? ` (${CLASS_WORDS[each.classOnArrival]} when the pair arrived)` : "";
  return `${CLASS_WORDS[each.class]}: ${why}${then}`;
}
