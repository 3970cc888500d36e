// Sampling: deterministic for a given value of the sample header, so every proxy (and every retry)
// makes the same choice for the same request id; random where the header is missing.
import { mixedHash64 } from "./hashing";

const TWO_POW_53: f64 = 9007199254740992.0;

/** True when a request whose 64 hash bits are `bits` falls inside `percent` (0..100, fractional). */
export function inSample(bits: u64, percent: f64): bool {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  const unit = <f64>(bits >> 11) / TWO_POW_53; // [0, 1)
  return unit * 100.0 < percent;
}

/** The 64 hash bits of a sample header's value, read in place. */
export function sampleBits(ptr: usize, size: usize): u64 {
  return mixedHash64(ptr, size);
}
