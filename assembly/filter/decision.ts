// Whether a request is mirrored, in the order the counters tell the story: tagged (never mirrored
// again), method, path, sample, body, in-flight cap; and whether the secondary answers it too.
// Everything it reads comes from the one walk of the request's headers (request-headers.ts); the
// body check uses what Envoy already said: whether the headers ended the request. A request is
// mirrored whole or not at all: when its calls (every target, and the secondary if drawn) do not
// all fit under max_in_flight, none is sent.
import { bytesStartWith, indexOfBytes } from "../abi/headers";
import { Config } from "./config";
import { RequestHeaders } from "./request-headers";
import { sampled, secondarySampled } from "./sampling";
import { isValidUtf8, validUtf8 } from "./utf8";

export enum Decision { Tagged, MethodSkipped, PathSkipped, SampledOut, WithBody, OverCapacity, Mirror, MirrorWithSecondary }

/** In on_request_headers; `callsInFlight` is what max_in_flight bounds. */
export function decide(config: Config, request: RequestHeaders, endOfStream: bool, callsInFlight: i32): Decision {
  if (request.tagged) {
    // Nobody outside may make the primary believe a request is shadow traffic.
    request.stripTag(config);
    return Decision.Tagged;
  }
  if (!methodAllowed(config, request)) return Decision.MethodSkipped;
  if (!pathAllowed(config, request)) return Decision.PathSkipped;
  if (!sampled(config, request)) return Decision.SampledOut;
  // A body follows the headers (content-length, chunked, or HTTP/2 DATA frames): the shadow would
  // get the headers without it, so the request is not mirrored until bodies are.
  if (!endOfStream) return Decision.WithBody;
  const destinations = config.destinations;
  const withSecondary = destinations.length > config.targetCount && secondarySampled(destinations[config.targetCount].samplePercent, request);
  const calls = config.targetCount + (withSecondary ? 1 : 0);
  if (<u32>(callsInFlight + calls) > config.maxInFlight) return Decision.OverCapacity;
  return withSecondary ? Decision.MirrorWithSecondary : Decision.Mirror;
}

function methodAllowed(config: Config, request: RequestHeaders): bool {
  const method = request.method;
  return method.found && indexOfBytes(config.methodKeys, method.ptr, method.size) >= 0;
}

export function pathAllowed(config: Config, request: RequestHeaders): bool {
  // With no prefixes every path is allowed.
  if (config.excludePathKeys.length == 0 && config.includePathKeys.length == 0) return true;
  const path = request.path;
  return path.found ? prefixesAllow(config, path.ptr, path.size) : prefixesAllow(config, 0, 0); // an absent path reads as empty
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
