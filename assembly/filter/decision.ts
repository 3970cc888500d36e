// Whether a request is mirrored, in the order the counters tell the story: tagged (never mirrored
// again), method, path, sample, in-flight cap. One request header at a time, each read where the
// host wrote it and released at once, so a request that is not mirrored leaves nothing in the
// heap; the whole header map is fetched only for a request that is.
import { bytesStartWith, indexOfBytes } from "../abi/headers";
import { hasHeader, headerValueInPlace, removeHeader } from "../abi/hostcalls";
import { MapType } from "../abi/types";
import { Config } from "./config";
import { sampled } from "./sampling";
import { isValidUtf8, validUtf8 } from "./utf8";

export enum Decision { Tagged, MethodSkipped, PathSkipped, SampledOut, OverCapacity, Mirror }

const METHOD = String.UTF8.encode(":method");
const PATH = String.UTF8.encode(":path");

/** In on_request_headers; `shadowCallsInFlight` is what max_in_flight bounds. */
export function decide(config: Config, shadowCallsInFlight: i32): Decision {
  if (hasHeader(MapType.HttpRequestHeaders, config.tagHeaderKey)) {
    // Nobody outside may make the primary believe a request is shadow traffic.
    removeHeader(MapType.HttpRequestHeaders, config.tagHeaderKey);
    return Decision.Tagged;
  }
  if (!methodAllowed(config)) return Decision.MethodSkipped;
  if (!pathAllowed(config)) return Decision.PathSkipped;
  if (!sampled(config)) return Decision.SampledOut;
  if (<u32>shadowCallsInFlight >= config.maxInFlight) return Decision.OverCapacity;
  return Decision.Mirror;
}

function methodAllowed(config: Config): bool {
  const method = headerValueInPlace(MapType.HttpRequestHeaders, METHOD);
  if (method === null) return false;
  const allowed = indexOfBytes(config.methodKeys, method.ptr, method.size) >= 0;
  method.release();
  return allowed;
}

function pathAllowed(config: Config): bool {
  // With no prefixes every path is allowed: the path is not even read.
  if (config.excludePathKeys.length == 0 && config.includePathKeys.length == 0) return true;
  const path = headerValueInPlace(MapType.HttpRequestHeaders, PATH);
  if (path === null) return prefixesAllow(config, 0, 0); // an absent path reads as empty
  const allowed = prefixesAllow(config, path.ptr, path.size);
  path.release();
  return allowed;
}

/** Prefixes compare as text: invalid UTF-8 in a path reads as U+FFFD, as it would decoded. */
function prefixesAllow(config: Config, ptr: usize, size: usize): bool {
  if (!isValidUtf8(ptr, <i32>size)) {
    const raw = new ArrayBuffer(<i32>size);
    memory.copy(changetype<usize>(raw), ptr, size);
    const text = validUtf8(raw);
    return validPrefixesAllow(config, changetype<usize>(text), <usize>text.byteLength);
  }
  return validPrefixesAllow(config, ptr, size);
}

function validPrefixesAllow(config: Config, ptr: usize, size: usize): bool {
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
