// The configuration of several targets and a secondary: what a careless or hostile operator could
// write, each refused with a critical log line that names the key down to the field; then what
// is accepted at the bounds.
import { describe, expect, it } from "vitest";
import { COLLECTOR_CLUSTER, SECONDARY_CLUSTER, SHADOW_CLUSTER, TARGETS_CONFIG, TARGET_CLUSTERS, loadHost } from "./fixture.js";

async function configure(config: string): Promise<{ accepted: boolean; critical: string[] }> {
  const host = await loadHost();
  const accepted = host.start(config);
  return { accepted, critical: host.logs.filter((l) => l.level === "critical").map((l) => l.message) };
}

const V2 = { name: "v2", cluster: TARGET_CLUSTERS.v2 };
const V3 = { name: "v3", cluster: TARGET_CLUSTERS.v3 };
const SECONDARY = { cluster: SECONDARY_CLUSTER, sample_percent: 25 };
/** TARGETS_CONFIG with some keys replaced (undefined removes one). */
const withTargets = (extra: Record<string, unknown>) => JSON.stringify({ ...TARGETS_CONFIG, ...extra });
const oneTarget = (target: Record<string, unknown>) => withTargets({ targets: [target] });
const withSecondary = (secondary: unknown) => withTargets({ secondary });
const nameRule = "must be 1 to 32 characters of a-z, 0-9, _ and -";

const REFUSED: Array<{ name: string; config: string; message: string }> = [
  { name: "5 targets", config: withTargets({ targets: ["a", "b", "c", "d", "e"].map((n, i) => ({ name: n, cluster: `c${i}` })) }), message: 'config key "targets" must be an array of 1 to 4 targets' },
  { name: "no target", config: withTargets({ targets: [] }), message: 'config key "targets" must be an array of 1 to 4 targets' },
  { name: "targets as an object", config: withTargets({ targets: V2 }), message: 'config key "targets" must be an array of 1 to 4 targets' },
  { name: "65 targets", config: withTargets({ targets: Array.from({ length: 65 }, (_, i) => ({ name: `t${i}`, cluster: `c${i}` })) }), message: 'config key "targets" holds an array or object of more than 64 entries' },
  { name: "a target that is a string", config: withTargets({ targets: [V2, "v3"] }), message: 'config key "targets[1]" must be an object' },
  { name: "a target that is null", config: withTargets({ targets: [null] }), message: 'config key "targets[0]" must be an object' },
  { name: "a target without a name", config: oneTarget({ cluster: TARGET_CLUSTERS.v2 }), message: 'config key "targets[0].name" is required' },
  { name: "an empty name", config: oneTarget({ ...V2, name: "" }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "an upper-case name", config: oneTarget({ ...V2, name: "V2" }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "a dot in a name", config: oneTarget({ ...V2, name: "v2.1" }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "a space in a name", config: oneTarget({ ...V2, name: "v 2" }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "CR LF in a name", config: oneTarget({ ...V2, name: "v2\r\nx: 1" }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "a non-ASCII name", config: oneTarget({ ...V2, name: "vé" }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "a 33-character name", config: oneTarget({ ...V2, name: "v".repeat(33) }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "a number as name", config: oneTarget({ ...V2, name: 2 }), message: `config key "targets[0].name" ${nameRule}` },
  { name: "two targets of one name", config: withTargets({ targets: [V2, { ...V3, name: "v2" }] }), message: 'config key "targets[1].name" repeats the name of targets[0]' },
  { name: "a target without a cluster", config: oneTarget({ name: "v2" }), message: 'config key "targets[0].cluster" is required' },
  { name: "an empty cluster", config: oneTarget({ ...V2, cluster: "" }), message: 'config key "targets[0].cluster" must be 1 to 256 visible ASCII characters' },
  { name: "NUL in a cluster", config: oneTarget({ ...V2, cluster: "v2\u0000" }), message: 'config key "targets[0].cluster" must be 1 to 256 visible ASCII characters' },
  { name: "a target on the collector's cluster", config: withTargets({ targets: [V2, { ...V3, cluster: COLLECTOR_CLUSTER }] }), message: 'config key "targets[1].cluster" must not be the collector\'s cluster' },
  { name: "two targets on one cluster", config: withTargets({ targets: [V2, { ...V3, cluster: TARGET_CLUSTERS.v2, authority: "other" }] }), message: 'config key "targets[1].cluster" is the cluster of targets[0]' },
  { name: "CR LF in an authority", config: oneTarget({ ...V2, authority: "api\r\nx: 1" }), message: 'config key "targets[0].authority" must be a host or host:port' },
  { name: "a slash in an authority", config: oneTarget({ ...V2, authority: "api/v2" }), message: 'config key "targets[0].authority" must be a host or host:port' },
  { name: "timeout_ms 0", config: oneTarget({ ...V2, timeout_ms: 0 }), message: 'config key "targets[0].timeout_ms" must be an integer from 1 to 60000' },
  { name: "timeout_ms 60001", config: oneTarget({ ...V2, timeout_ms: 60001 }), message: 'config key "targets[0].timeout_ms" must be an integer from 1 to 60000' },
  { name: "timeout_ms as a string", config: oneTarget({ ...V2, timeout_ms: "500" }), message: 'config key "targets[0].timeout_ms" must be an integer from 1 to 60000' },
  { name: "a misspelt target field", config: oneTarget({ ...V2, clustr: "x" }), message: 'config key "targets[0].clustr" is unknown' },
  { name: "a share on a target", config: oneTarget({ ...V2, sample_percent: 50 }), message: 'config key "targets[0].sample_percent" is unknown' },
  { name: "a repeated target field", config: withTargets({ targets: "TARGET" }).replace('"TARGET"', '[{"name":"v2","cluster":"a","cluster":"b"}]'), message: 'config key "targets[0].cluster" appears more than once' },
  { name: "shadow_cluster beside targets", config: withTargets({ shadow_cluster: SHADOW_CLUSTER }), message: 'config key "shadow_cluster" cannot be given with "targets"' },
  { name: "shadow_timeout_ms beside targets", config: withTargets({ shadow_timeout_ms: 100 }), message: 'config key "shadow_timeout_ms" cannot be given with "targets"' },
  { name: "neither targets nor shadow_cluster", config: withTargets({ targets: undefined }), message: 'config key "shadow_cluster" is required (or "targets")' },
  { name: "shadow_name, which is no key", config: JSON.stringify({ shadow_cluster: SHADOW_CLUSTER, shadow_name: "v2", collector_cluster: COLLECTOR_CLUSTER }), message: 'config key "shadow_name" is unknown' },
  { name: "shadow_cluster on the collector's cluster", config: JSON.stringify({ shadow_cluster: COLLECTOR_CLUSTER, collector_cluster: COLLECTOR_CLUSTER }), message: 'config key "shadow_cluster" must not be the collector\'s cluster' },
  { name: "a secondary that is a string", config: withSecondary(SECONDARY_CLUSTER), message: 'config key "secondary" must be an object' },
  { name: "a secondary that is null", config: withSecondary(null), message: 'config key "secondary" must be an object' },
  { name: "a secondary without a cluster", config: withSecondary({ sample_percent: 25 }), message: 'config key "secondary.cluster" is required' },
  { name: "a secondary without a share", config: withSecondary({ cluster: SECONDARY_CLUSTER }), message: 'config key "secondary.sample_percent" is required' },
  { name: "a secondary share of 101", config: withSecondary({ ...SECONDARY, sample_percent: 101 }), message: 'config key "secondary.sample_percent" must be a number from 0 to 100' },
  { name: "a secondary share below 0", config: withSecondary({ ...SECONDARY, sample_percent: -0.5 }), message: 'config key "secondary.sample_percent" must be a number from 0 to 100' },
  { name: "a secondary share as a string", config: withSecondary({ ...SECONDARY, sample_percent: "25" }), message: 'config key "secondary.sample_percent" must be a number from 0 to 100' },
  { name: "a secondary with a name", config: withSecondary({ ...SECONDARY, name: "v1" }), message: 'config key "secondary.name" is unknown' },
  { name: "a secondary timeout of 0", config: withSecondary({ ...SECONDARY, timeout_ms: 0 }), message: 'config key "secondary.timeout_ms" must be an integer from 1 to 60000' },
  { name: "LF in a secondary authority", config: withSecondary({ ...SECONDARY, authority: "api\n" }), message: 'config key "secondary.authority" must be a host or host:port' },
  { name: "a secondary on the collector's cluster", config: withSecondary({ ...SECONDARY, cluster: COLLECTOR_CLUSTER }), message: 'config key "secondary.cluster" must not be the collector\'s cluster' },
  { name: "a secondary on a target's cluster", config: withSecondary({ ...SECONDARY, cluster: TARGET_CLUSTERS.v3 }), message: 'config key "secondary.cluster" is the cluster of targets[1]' },
  { name: "a secondary on the shadow's cluster", config: JSON.stringify({ shadow_cluster: SHADOW_CLUSTER, secondary: { ...SECONDARY, cluster: SHADOW_CLUSTER }, collector_cluster: COLLECTOR_CLUSTER }), message: 'config key "secondary.cluster" is the cluster of shadow_cluster' },
  { name: "max_in_flight below the calls of one request", config: withTargets({ max_in_flight: 3 }), message: 'config key "max_in_flight" must be at least 4' },
];

describe("targets and secondary configuration", () => {
  it.each(REFUSED)("refuses $name", async ({ config, message }) => {
    const { accepted, critical } = await configure(config);
    expect(accepted).toBe(false);
    expect(critical.some((line) => line.includes(message)), `critical lines: ${critical.join(" | ").slice(0, 500)}`).toBe(true);
    for (const line of critical) expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it("accepts 4 targets with every field at its bounds, and a secondary", async () => {
    for (const share of [0, 0.5, 100]) {
      const { accepted, critical } = await configure(
        JSON.stringify({
          targets: [
            { name: "v2", cluster: "a", authority: "api-v2.demo:8080", timeout_ms: 1 },
            { name: "v".repeat(32), cluster: "b", timeout_ms: 60000 },
            { name: "canary_3-b", cluster: "c" },
            { name: "0", cluster: "d" },
          ],
          secondary: { cluster: "e", authority: "api.demo", timeout_ms: 60000, sample_percent: share },
          collector_cluster: COLLECTOR_CLUSTER,
          max_in_flight: 5,
        }),
      );
      expect(critical).toEqual([]);
      expect(accepted).toBe(true);
    }
  });

  it("accepts a secondary beside the single shadow of the shadow_* keys", async () => {
    const { accepted, critical } = await configure(JSON.stringify({ shadow_cluster: SHADOW_CLUSTER, secondary: SECONDARY, collector_cluster: COLLECTOR_CLUSTER }));
    expect(critical).toEqual([]);
    expect(accepted).toBe(true);
  });
});
