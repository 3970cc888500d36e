// Whether a request is in the sample, the whole decision: 0% and 100% decide alone; in between,
// the hash of the sample header's value decides, so every proxy (and every retry) makes the same
// choice for the same request id; without that header, host randomness.
import { randomU64 } from "../abi/hostcalls";
import { Config } from "./config";
import { mixedHash64 } from "./hash";
import { RequestHeaders } from "./request-headers";

const TWO_POW_53: f64 = 9007199254740992.0;

export function sampled(config: Config, request: RequestHeaders): bool {
  const percent = config.samplePercent;
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  const value = request.sample;
  return inSample(value.found ? mixedHash64(value.ptr, value.size) : randomU64(), percent);
}

/** True when a request whose 64 bits are `bits` falls inside `percent` (0..100, fractional). */
function inSample(bits: u64, percent: f64): bool {
  const unit = <f64>(bits >> 11) / TWO_POW_53; // [0, 1)
  return unit * 100.0 < percent;
}
