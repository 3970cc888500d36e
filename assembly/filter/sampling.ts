// Whether a request is in the sample, the whole decision: 0% and 100% decide alone, without a
// host call; in between, the hash of the sample header's value decides, so every proxy (and every
// retry) makes the same choice for the same request id; without that header, host randomness.
import { headerValueInPlace, randomU64 } from "../abi/hostcalls";
import { MapType } from "../abi/types";
import { Config } from "./config";

const TWO_POW_53: f64 = 9007199254740992.0;

export function sampled(config: Config): bool {
  const percent = config.samplePercent;
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  let bits: u64;
  const value = headerValueInPlace(MapType.HttpRequestHeaders, config.sampleHeaderKey);
  if (value !== null) {
    bits = mixedHash64(value.ptr, value.size);
    value.release();
  } else {
    bits = randomU64();
  }
  return inSample(bits, percent);
}

/** True when a request whose 64 bits are `bits` falls inside `percent` (0..100, fractional). */
function inSample(bits: u64, percent: f64): bool {
  const unit = <f64>(bits >> 11) / TWO_POW_53; // [0, 1)
  return unit * 100.0 < percent;
}

/** FNV-1a 64 followed by a finalizer: request ids differ in few bytes, so raw FNV bits would not
 * spread evenly enough for a percentage cut. */
function mixedHash64(base: usize, size: usize): u64 {
  let h: u64 = 0xcbf29ce484222325;
  for (let i: usize = 0; i < size; i++) {
    h ^= <u64>load<u8>(base + i);
    h *= 0x100000001b3;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return h;
}
