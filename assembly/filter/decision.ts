// Whether a request is mirrored, in the order the counters tell the story: tagged (never mirrored
// again), method, path, sample, in-flight cap. Each rule reads header bytes in place (the host's
// copy of one value), so a request that is not mirrored leaves nothing behind in the heap.
import { bytesStartWith, indexOfBytes } from "../abi/headers";
import { Config } from "./config";
import { inSample } from "./sampling";
import { isValidUtf8, validUtf8 } from "./utf8";

export enum Decision { Tagged, MethodSkipped, PathSkipped, SampledOut, OverCapacity, Mirror }

export function methodAllowed(config: Config, ptr: usize, size: usize): bool {
  return indexOfBytes(config.methodKeys, ptr, size) >= 0;
}

/** Whether path rules need the path at all: with no prefixes, every path is allowed. */
export function pathRulesSet(config: Config): bool {
  return config.excludePathKeys.length > 0 || config.includePathKeys.length > 0;
}

/** Prefixes compare as text: invalid UTF-8 in a path reads as U+FFFD, as it would decoded. */
export function pathAllowed(config: Config, ptr: usize, size: usize): bool {
  if (!isValidUtf8(ptr, <i32>size)) {
    const raw = new ArrayBuffer(<i32>size);
    memory.copy(changetype<usize>(raw), ptr, size);
    const text = validUtf8(raw);
    return pathAllowedValid(config, changetype<usize>(text), <usize>text.byteLength);
  }
  return pathAllowedValid(config, ptr, size);
}

function pathAllowedValid(config: Config, ptr: usize, size: usize): bool {
  const excluded = config.excludePathKeys;
  for (let i = 0; i < excluded.length; i++) {
    if (bytesStartWith(ptr, size, excluded[i])) return false;
  }
  const included = config.includePathKeys;
  if (included.length == 0) return true;
  for (let i = 0; i < included.length; i++) {
    if (bytesStartWith(ptr, size, included[i])) return true;
  }
  return false;
}

/** Whether the sample needs the request's bits: 0% and 100% decide alone. */
export function sampleNeedsBits(config: Config): bool {
  return config.samplePercent > 0 && config.samplePercent < 100;
}

export function sampled(config: Config, bits: u64): bool {
  return inSample(bits, config.samplePercent);
}
