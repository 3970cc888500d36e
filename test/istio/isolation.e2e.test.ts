// What the write-mirroring example's policies allow, computed by network-config-analyzer from the
// manifests as applied (istio/example/api.yaml less its shadow, istio/example/writes/, and the
// cluster's kube-dns and istiod): the NetworkPolicies alone, the Istio policies alone and both
// together each keep the shadow to its own database and the control plane, and let only the
// primary reach it. Careless edits open exactly the paths these checks look for. This is analysis
// of the manifests' meaning, not enforcement: no cluster runs them here.
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { connectivity, destinationsOf, sourcesOf, type Connectivity } from "./support/connectivity.js";
import { ISTIO_DIR, readManifests, type Manifest } from "./support/manifests.js";
import { appliedExample, changed, withoutDoc } from "./support/writes-example.js";

const CLUSTER = readManifests(relative(ISTIO_DIR, new URL("fixtures/cluster-services.yaml", import.meta.url).pathname));
const EXAMPLE = [...appliedExample(), ...CLUSTER];
const ISTIO_KINDS = new Set(["AuthorizationPolicy", "Sidecar", "PeerAuthentication"]);
const networkOnly = (docs: Manifest[]): Manifest[] => docs.filter((doc) => !ISTIO_KINDS.has(doc.kind));
const meshOnly = (docs: Manifest[]): Manifest[] => docs.filter((doc) => doc.kind !== "NetworkPolicy");

const SHADOW = "shop-shadow/api-shadow";
const SHADOW_DB = "shop-shadow/api-shadow-db";
const PRIMARY = "shop/api-primary";
const PRIMARY_DB = "shop/api-db";
const ANYWHERE = "0.0.0.0-255.255.255.255";
const CONTROL_PLANE = ["istio-system/istiod", "kube-system/coredns"];

// With Istio resources in its input the analyzer reports TCP apart and leaves the protocol out.
const LAYERS = [
  { layer: "the NetworkPolicies alone", select: networkOnly, tcp: (port: number) => `{protocols:TCP,dst_ports:${port}}` },
  { layer: "the Istio policies alone", select: meshOnly, tcp: (port: number) => `{dst_ports:${port}}` },
  { layer: "both together", select: (docs: Manifest[]) => docs, tcp: (port: number) => `{dst_ports:${port}}` },
];

describe.each(LAYERS)("the write-mirroring example, $layer", ({ select, tcp }) => {
  let result: Connectivity | undefined;
  const analysed = async (): Promise<Connectivity> => (result ??= await connectivity(select(EXAMPLE)));

  it("lets the shadow reach its own database on 5432, the control plane, and nothing else", async () => {
    const { tcp: connections } = await analysed();
    expect(connections.get(`${SHADOW} => ${SHADOW_DB}`)).toBe(tcp(5432));
    expect(destinationsOf(connections, SHADOW)).toEqual([...CONTROL_PLANE, SHADOW_DB].sort());
  });

  it("never lets the shadow reach the primary's database, the primary, or an outside address", async () => {
    const { tcp: connections, other } = await analysed();
    for (const destination of [PRIMARY_DB, PRIMARY, ANYWHERE]) {
      expect(connections.get(`${SHADOW} => ${destination}`), destination).toBeUndefined();
    }
    // Sidecars see TCP only: other protocols are the NetworkPolicies' to stop.
    if (select !== meshOnly) expect(other.get(`${SHADOW} => ${PRIMARY_DB}`)).toBeUndefined();
  });

  it("lets only the primary reach the shadow, on 8080, and only the shadow reach its database", async () => {
    const { tcp: connections } = await analysed();
    expect(sourcesOf(connections, SHADOW)).toEqual([PRIMARY]);
    expect(connections.get(`${PRIMARY} => ${SHADOW}`)).toBe(tcp(8080));
    expect(sourcesOf(connections, SHADOW_DB)).toEqual([SHADOW]);
  });

  it("keeps the shadow's database from calling out", async () => {
    const { tcp: connections } = await analysed();
    expect(destinationsOf(connections, SHADOW_DB)).toEqual(CONTROL_PLANE);
  });
});

describe("each Istio guard holds on its own", () => {
  it("the DENY on the primary's database stops the shadow without the Sidecar", async () => {
    const { tcp } = await connectivity(withoutDoc(meshOnly(EXAMPLE), "Sidecar", "default"));
    expect(tcp.get(`${SHADOW} => ${PRIMARY_DB}`)).toBeUndefined();
    // ... while the rest of the world is open to it: the Sidecar is what closes that.
    expect(destinationsOf(tcp, SHADOW)).toEqual(expect.arrayContaining([PRIMARY, ANYWHERE]));
  });

  it("the Sidecar stops the shadow without the DENY", async () => {
    const { tcp } = await connectivity(withoutDoc(meshOnly(EXAMPLE), "AuthorizationPolicy", "api-db-deny-shadow"));
    expect(tcp.get(`${SHADOW} => ${PRIMARY_DB}`)).toBeUndefined();
    expect(destinationsOf(tcp, SHADOW)).toEqual([...CONTROL_PLANE, SHADOW_DB].sort());
  });
});

describe("careless edits open the paths the checks look for (the checks can fail)", () => {
  it("a NetworkPolicy rule that lets the shadow out anywhere", async () => {
    const open = changed(networkOnly(EXAMPLE), "NetworkPolicy", "api-shadow", (policy) => {
      policy.spec.egress.push({});
    });
    const { tcp } = await connectivity(open);
    expect(destinationsOf(tcp, SHADOW)).toEqual(expect.arrayContaining([PRIMARY_DB, PRIMARY, ANYWHERE]));
  });

  it("without the default deny, a pod added to the namespace later is open to anyone", async () => {
    const worker = structuredClone(EXAMPLE.find((doc) => doc.kind === "Deployment" && doc.metadata.name === "api-shadow")!);
    worker.metadata.name = "api-shadow-worker";
    worker.spec.selector.matchLabels = { app: "api-worker" };
    worker.spec.template.metadata.labels = { app: "api-worker" };
    const closed = await connectivity(networkOnly([...EXAMPLE, worker]));
    expect(sourcesOf(closed.tcp, "shop-shadow/api-shadow-worker")).toEqual([]);
    const { tcp } = await connectivity(withoutDoc(networkOnly([...EXAMPLE, worker]), "NetworkPolicy", "default-deny"));
    expect(sourcesOf(tcp, "shop-shadow/api-shadow-worker")).toEqual(expect.arrayContaining([PRIMARY_DB, ANYWHERE]));
  });

  it("a typo in the shadow's NetworkPolicy selector cuts the primary off the shadow (and fails closed)", async () => {
    const typo = changed(networkOnly(EXAMPLE), "NetworkPolicy", "api-shadow", (policy) => {
      policy.spec.podSelector.matchLabels.version = "V2";
    });
    const { tcp } = await connectivity(typo);
    expect(sourcesOf(tcp, SHADOW)).toEqual([]);
    expect(tcp.get(`${SHADOW} => ${SHADOW_DB}`)).toBeUndefined();
  });

  it("a Sidecar left at ALLOW_ANY lets the shadow call outside addresses", async () => {
    const open = changed(meshOnly(EXAMPLE), "Sidecar", "default", (sidecar) => {
      sidecar.spec.outboundTrafficPolicy.mode = "ALLOW_ANY";
    });
    const { tcp } = await connectivity(open);
    expect(destinationsOf(tcp, SHADOW)).toContain(ANYWHERE);
  });

  it("without the Sidecar, a DENY whose selector has a typo lets the shadow into the primary's database", async () => {
    const typo = changed(withoutDoc(meshOnly(EXAMPLE), "Sidecar", "default"), "AuthorizationPolicy", "api-db-deny-shadow", (policy) => {
      policy.spec.selector.matchLabels = { app: "api-database" };
    });
    const { tcp } = await connectivity(typo);
    expect(tcp.get(`${SHADOW} => ${PRIMARY_DB}`)).toBe("All connections");
  });

  it("without its AuthorizationPolicy, anyone may call the shadow", async () => {
    const { tcp } = await connectivity(withoutDoc(meshOnly(EXAMPLE), "AuthorizationPolicy", "api-shadow"));
    expect(sourcesOf(tcp, SHADOW)).toEqual(expect.arrayContaining([PRIMARY, PRIMARY_DB, ANYWHERE]));
  });
});
