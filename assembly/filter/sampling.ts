// Whether a request is in a share, the whole decision: 0% and 100% decide alone; in between, the
// hash of the sample header's value decides, so every proxy (and every retry) makes the same
// choice for the same request id; without that header, host randomness. Two shares are drawn:
// the sample (is the request mirrored?) and, for a mirrored request, the secondary's. The
// secondary's draw mixes the same hash once more: as deterministic, and independent of the first
// draw, so the secondary sees an even slice of the sample (and of every route in it).
import { randomU64 } from "../abi/hostcalls";
import { Config } from "./config";
import { mix64, mixedHash64 } from "./hash";
import { RequestHeaders } from "./request-headers";

const TWO_POW_53: f64 = 9007199254740992.0;
// The golden ratio's bits (as in splitmix64): what sets the secondary's draw apart from the sample's.
const SECONDARY_SEED: u64 = 0x9e3779b97f4a7c15;

export function sampled(config: Config, request: RequestHeaders): bool {
  return drawn(config.samplePercent, request, false);
}

/** Whether a mirrored request goes to the secondary too, whose share is `percent`. */
export function secondarySampled(percent: f64, request: RequestHeaders): bool {
  return drawn(percent, request, true);
}

function drawn(percent: f64, request: RequestHeaders, again: bool): bool {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  const value = request.sample;
  const bits = value.found ? mixedHash64(value.ptr, value.size) : randomU64();
  return inShare(again ? mix64(bits ^ SECONDARY_SEED) : bits, percent);
}

/** True when a request whose 64 bits are `bits` falls inside `percent` (0..100, fractional). */
function inShare(bits: u64, percent: f64): bool {
  const unit = <f64>(bits >> 11) / TWO_POW_53; // [0, 1)
  return unit * 100.0 < percent;
}
