// Where mirrored copies go: up to MAX_TARGETS named targets (the versions under test), each sent
// every mirrored request, and an optional secondary (the primary's own version asked again) for a
// share of them. Each is a JSON object of its own; every refusal names the key down to the field
// ("targets[1].name", "secondary.sample_percent").
import {
  AUTHORITY_RULE, PERCENT_RULE, TARGET_NAME_RULE, VISIBLE_ASCII_RULE, integerRule, isAuthority, isInteger, isPercent,
  isString, isTargetName, isVisibleAscii, keyRefusal,
} from "./config-rules";
import { JsonKind, JsonValue } from "./json";
import { MAX_TARGETS } from "./limits";

/** A setting's bytes until it is encoded. */
export const NO_BYTES = new ArrayBuffer(0);

const TARGETS_RULE = "must be an array of 1 to 4 targets";

export class Destination {
  /** The target's name in pairs; empty for the secondary. */
  name: string = "";
  cluster: string = "";
  /** Empty: the request's :authority. */
  authority: string = "";
  timeoutMs: u32 = 5000;
  /** The secondary's share of mirrored requests (targets take every one); below 0 until given. */
  samplePercent: f64 = -1;

  // As UTF-8, made once by encode().
  nameBytes: ArrayBuffer = NO_BYTES;
  clusterBytes: ArrayBuffer = NO_BYTES;
  authorityBytes: ArrayBuffer = NO_BYTES;

  /** `key` names it in refusals ("targets[0]", "secondary"; "shadow_cluster" for the shadow_* keys). */
  constructor(public key: string) {}

  /** The key that names its cluster. */
  get clusterKey(): string {
    return this.key == "shadow_cluster" ? this.key : this.key + ".cluster";
  }

  encode(): void {
    this.nameBytes = String.UTF8.encode(this.name);
    this.clusterBytes = String.UTF8.encode(this.cluster);
    this.authorityBytes = String.UTF8.encode(this.authority);
  }
}

/** `targets`: 1 to MAX_TARGETS objects, in the order pairs carry them. "" when accepted, else the
 * refusal. */
export function readTargets(v: JsonValue, into: Array<Destination>): string {
  if (v.kind != JsonKind.Array || v.items.length == 0 || v.items.length > MAX_TARGETS) return keyRefusal("targets", TARGETS_RULE);
  for (let i = 0; i < v.items.length; i++) {
    const target = new Destination("targets[" + i.toString() + "]");
    const problem = readDestination(v.items[i], target, Side.Target);
    if (problem.length > 0) return problem;
    into.push(target);
  }
  return "";
}

/** Which keys a destination takes: the shadow_* keys (cluster, authority, timeout_ms), a target's
 * object (and name), the secondary's (and sample_percent). */
export enum Side { Shadow, Target, Secondary }

/** A destination's object: its fields, then what is required. "" when accepted, else the refusal. */
export function readDestination(v: JsonValue, out: Destination, side: Side): string {
  const key = out.key;
  if (v.kind != JsonKind.Object) return keyRefusal(key, "must be an object");
  for (let i = 0; i < v.keys.length; i++) {
    const field = v.keys[i];
    const rule = v.keys.indexOf(field) < i ? "appears more than once" : destinationField(out, field, v.items[i], side);
    if (rule.length > 0) return keyRefusal(key + "." + field, rule);
  }
  // The secondary's extra load on the primary's version is the operator's choice, never a default.
  const missing = side == Side.Target && out.name.length == 0 ? "name"
    : out.cluster.length == 0 ? "cluster"
    : side == Side.Secondary && out.samplePercent < 0 ? "sample_percent" : "";
  return missing.length > 0 ? keyRefusal(key + "." + missing, "is required") : "";
}

/** One field of a destination; "" when accepted, else the rule it breaks. */
export function destinationField(out: Destination, field: string, v: JsonValue, side: Side): string {
  if (field == "cluster") {
    if (!isString(v, isVisibleAscii)) return VISIBLE_ASCII_RULE;
    out.cluster = v.text;
  } else if (field == "authority") {
    if (!isString(v, isAuthority)) return AUTHORITY_RULE;
    out.authority = v.text;
  } else if (field == "timeout_ms") {
    if (!isInteger(v, 1, 60000)) return integerRule(1, 60000);
    out.timeoutMs = <u32>v.number;
  } else if (field == "name" && side == Side.Target) {
    if (!isString(v, isTargetName)) return TARGET_NAME_RULE;
    out.name = v.text;
  } else if (field == "sample_percent" && side == Side.Secondary) {
    if (!isPercent(v)) return PERCENT_RULE;
    out.samplePercent = v.number;
  } else {
    return "is unknown";
  }
  return "";
}

/** Rules across keys, once the whole configuration is read: target names are unique, no copy goes
 * to the collector, and each destination has a cluster of its own (a secondary on a target's
 * cluster would take that target's differences for noise). "" when they hold. */
export function destinationsProblem(destinations: Array<Destination>, collectorCluster: string): string {
  for (let i = 0; i < destinations.length; i++) {
    const d = destinations[i];
    if (d.cluster == collectorCluster) return keyRefusal(d.clusterKey, "must not be the collector's cluster");
    for (let j = 0; j < i; j++) {
      const other = destinations[j];
      // The secondary has no name.
      if (d.name.length > 0 && d.name == other.name) return keyRefusal(d.key + ".name", "repeats the name of " + other.key);
      if (d.cluster == other.cluster) return keyRefusal(d.clusterKey, "is the cluster of " + other.key);
    }
  }
  return "";
}
