// Whether a request is mirrored, in the order the counters tell the story: tagged (never mirrored
// again), method, path, sample, in-flight cap.
import { Config } from "./config";
import { inSample } from "./sampling";

export enum Decision { Tagged, MethodSkipped, PathSkipped, SampledOut, OverCapacity, Mirror }

export function pathAllowed(config: Config, path: string): bool {
  for (let i = 0; i < config.excludePaths.length; i++) {
    if (path.startsWith(config.excludePaths[i])) return false;
  }
  if (config.includePaths.length == 0) return true;
  for (let i = 0; i < config.includePaths.length; i++) {
    if (path.startsWith(config.includePaths[i])) return true;
  }
  return false;
}

export function decide(config: Config, tagged: bool, method: string, path: string, sampleBits: u64, inFlight: u32): Decision {
  if (tagged) return Decision.Tagged;
  if (!config.methods.includes(method)) return Decision.MethodSkipped;
  if (!pathAllowed(config, path)) return Decision.PathSkipped;
  if (!inSample(sampleBits, config.samplePercent)) return Decision.SampledOut;
  if (inFlight >= config.maxInFlight) return Decision.OverCapacity;
  return Decision.Mirror;
}
