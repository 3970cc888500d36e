// The filter as an image Istio pulls. `make image` builds both variants of Istio's Wasm image
// format reproducibly, for the default module and for the bodies module (request_bodies);
// `make push` pushes one to a real registry on 127.0.0.1 and renders the
// WasmPlugin and the gated EnvoyFilter with its digest. The pushed images are then read back twice: by these tests, along
// the rules of Istio's image fetcher (istio/istio pkg/wasm, imagefetcher.go), and by that fetcher
// itself (test/istio-wasm-pull), whose extracted module the real Envoy loads and runs.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { startCollector } from "../../host/collector.js";
import { parseConfig } from "../../host/config/load.js";
import { createLogger } from "../../host/log.js";
import { renderBootstrap, type PluginConfiguration } from "../../host/envoy/bootstrap.js";
import { startEnvoy } from "../../support/envoy-process.js";
import { bodiesFilterWasmPath, envoyBinary, filterWasmPath } from "../../support/paths.js";
import { ProxyWasmHost } from "../wasmhost/index.js";
import { startRegistry, type Registry } from "./support/registry.js";
import { REPO, istioWasmPull, make, run } from "./support/tools.js";
import { expectOneMirroredRequest, expectOneMirroredWrite, startUpstreams } from "./support/upstreams.js";

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const WASM_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm";
const WASM_CONFIG = "application/vnd.module.wasm.config.v1+json";

const IMAGE_DIR = join(REPO, "build", "image");
const wasm = readFileSync(filterWasmPath());
const bodiesWasm = readFileSync(bodiesFilterWasmPath());
type Variant = "filter" | "filter-oci";
const builtDigest = (variant: Variant): string => readFileSync(join(IMAGE_DIR, `${variant}.digest`), "utf8").trim();
const builtBodiesDigest = (variant: Variant): string => readFileSync(join(IMAGE_DIR, "bodies", `${variant}.digest`), "utf8").trim();
/** A request_bodies configuration: the bodies module takes it, the default module refuses it. */
const REQUEST_BODIES = { request_bodies: { methods: ["POST"], max_bytes: 4096 } };

/** Where each mode's manifest pulls the filter from: the WasmPlugin's url and sha256, the gated EnvoyFilter's module. */
interface FilterSource {
  url: string;
  sha256: string;
}
function wasmPluginSource(file: string): FilterSource {
  const { url, sha256 } = (parse(readFileSync(file, "utf8")) as { spec: FilterSource }).spec;
  return { url, sha256 };
}
function gatedEnvoyFilterSource(file: string): FilterSource {
  const spec = (parse(readFileSync(file, "utf8")) as { spec: { configPatches: { applyTo: string; patch: { value: any } }[] } }).spec;
  const { remote } = spec.configPatches.find((p) => p.applyTo === "EXTENSION_CONFIG")!.patch.value.typed_config.config.vm_config.code;
  return { url: remote.http_uri.uri, sha256: remote.sha256 };
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}
interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The entries of a ustar archive: name, owner, mode, mtime and content. */
function tarEntries(archive: Buffer): { name: string; uid: number; gid: number; mtime: number; mode: number; content: Buffer }[] {
  const entries = [];
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString("latin1").replace(/\0.*$/s, "").trim();
    const size = parseInt(field(124, 12), 8);
    const prefix = field(345, 155);
    entries.push({
      name: prefix === "" ? field(0, 100) : `${prefix}/${field(0, 100)}`,
      mode: parseInt(field(100, 8), 8),
      uid: parseInt(field(108, 8), 8),
      gid: parseInt(field(116, 8), 8),
      mtime: parseInt(field(136, 12), 8),
      content: archive.subarray(offset + 512, offset + 512 + size),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** The module an image holds, decided as Istio's image fetcher decides (imagefetcher.go). */
function istioExtract(manifest: ImageManifest, blob: (digest: string) => Buffer): Buffer {
  const last = manifest.layers.at(-1);
  const pluginWasm = (layer: Descriptor): Buffer => {
    // The compat variant: the first tar entry whose base name is plugin.wasm.
    const entry = tarEntries(gunzipSync(blob(layer.digest))).find((e) => e.name.split("/").at(-1) === "plugin.wasm");
    if (entry === undefined) throw new Error("plugin.wasm not found in the archive");
    return entry.content;
  };
  if (manifest.mediaType === DOCKER_MANIFEST) {
    if (last?.mediaType !== DOCKER_LAYER) throw new Error(`invalid media type ${last?.mediaType} (expect ${DOCKER_LAYER})`);
    return pluginWasm(last);
  }
  if (last?.mediaType === OCI_LAYER) return pluginWasm(last);
  // The oci variant: exactly two layers, one of them the raw module.
  if (manifest.layers.length !== 2) throw new Error(`number of layers must be 2 but got ${manifest.layers.length}`);
  const layer = manifest.layers.find((l) => l.mediaType === WASM_LAYER);
  if (layer === undefined) throw new Error(`could not find the layer of type ${WASM_LAYER}`);
  return blob(layer.digest);
}

async function registryGet(registry: Registry, path: string, accept?: string): Promise<{ body: Buffer; digest: string | null; type: string | null }> {
  const response = await fetch(`http://${registry.host}/v2/${path}`, { headers: accept === undefined ? {} : { accept } });
  if (!response.ok) throw new Error(`GET /v2/${path}: HTTP ${response.status}`);
  return { body: Buffer.from(await response.arrayBuffer()), digest: response.headers.get("docker-content-digest"), type: response.headers.get("content-type") };
}

describe("make image", () => {
  it("packs plugin.wasm alone, owned by root, dated 1970, gzip without a timestamp", () => {
    const layer = readFileSync(join(IMAGE_DIR, "layer.tar.gz"));
    expect(layer.readUInt32LE(4)).toBe(0); // gzip MTIME
    const entries = tarEntries(gunzipSync(layer));
    expect(entries.map(({ name, uid, gid, mtime, mode }) => ({ name, uid, gid, mtime, mode }))).toEqual([
      { name: "plugin.wasm", uid: 0, gid: 0, mtime: 0, mode: 0o644 },
    ]);
    expect(entries[0]!.content.equals(wasm)).toBe(true);
  });

  it("packs the bodies module the same way, in an image of its own", () => {
    const layer = readFileSync(join(IMAGE_DIR, "bodies", "layer.tar.gz"));
    expect(layer.readUInt32LE(4)).toBe(0);
    const entries = tarEntries(gunzipSync(layer));
    expect(entries.map(({ name, uid, gid, mtime, mode }) => ({ name, uid, gid, mtime, mode }))).toEqual([
      { name: "plugin.wasm", uid: 0, gid: 0, mtime: 0, mode: 0o644 },
    ]);
    expect(entries[0]!.content.equals(bodiesWasm)).toBe(true);
    expect(bodiesWasm.equals(wasm)).toBe(false);
    expect(builtBodiesDigest("filter")).not.toBe(builtDigest("filter"));
    expect(builtBodiesDigest("filter-oci")).not.toBe(builtDigest("filter-oci"));
  });

  it("is reproducible: built again elsewhere, both variants of both modules have the same digests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shadowdiff-image-"));
    try {
      const rebuilt = await make(["image", `IMAGE_DIR=${dir}`]);
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
      expect(readFileSync(join(dir, "layer.tar.gz")).equals(readFileSync(join(IMAGE_DIR, "layer.tar.gz")))).toBe(true);
      expect(readFileSync(join(dir, "filter.digest"), "utf8").trim()).toBe(builtDigest("filter"));
      expect(readFileSync(join(dir, "filter-oci.digest"), "utf8").trim()).toBe(builtDigest("filter-oci"));
      expect(readFileSync(join(dir, "bodies", "filter.digest"), "utf8").trim()).toBe(builtBodiesDigest("filter"));
      expect(readFileSync(join(dir, "bodies", "filter-oci.digest"), "utf8").trim()).toBe(builtBodiesDigest("filter-oci"));
      expect(builtDigest("filter")).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(builtBodiesDigest("filter")).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("renders the WasmPlugin and the gated EnvoyFilter with the built image's digest", () => {
    const plugin = wasmPluginSource(join(REPO, "build", "istio", "wasmplugin.yaml"));
    expect(`sha256:${plugin.sha256}`).toBe(builtDigest("filter"));
    expect(plugin.url).toMatch(/^oci:\/\/[^@]+:[^@/]+$/);
    expect(gatedEnvoyFilterSource(join(REPO, "build", "istio", "gated-envoyfilter.yaml"))).toEqual(plugin);
    const bodies = wasmPluginSource(join(REPO, "build", "istio", "bodies", "wasmplugin.yaml"));
    expect(`sha256:${bodies.sha256}`).toBe(builtBodiesDigest("filter"));
    expect(bodies.url).toMatch(/^oci:\/\/[^@]+-bodies:[^@/]+$/);
    expect(gatedEnvoyFilterSource(join(REPO, "build", "istio", "bodies", "gated-envoyfilter.yaml"))).toEqual(bodies);
  });
});

describe("make push, and Istio pulling what it pushed", () => {
  let registry: Registry;
  let dir: string;
  const pushed: Record<"compat" | "oci", { stdout: string; plugin: FilterSource; gate: FilterSource }> = {} as never;
  const pushedBodies: Record<"compat" | "oci", { stdout: string; plugin: FilterSource; gate: FilterSource }> = {} as never;
  /** The tags pushed by the tests that succeed; a refused push adds none. */
  const TAGS = ["compat", "oci"];

  beforeAll(async () => {
    registry = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), "shadowdiff-push-"));
    for (const variant of ["compat", "oci"] as const) {
      const manifests = join(dir, variant);
      const result = await make(["push", `IMAGE=${registry.host}/shadowdiff/filter:${variant}`, `VARIANT=${variant}`, "INSECURE=1", `FILTER_MANIFESTS=${manifests}`]);
      expect(result.code, result.stderr).toBe(0);
      pushed[variant] = {
        stdout: result.stdout,
        plugin: wasmPluginSource(join(manifests, "wasmplugin.yaml")),
        gate: gatedEnvoyFilterSource(join(manifests, "gated-envoyfilter.yaml")),
      };
      const bodiesManifests = join(dir, `bodies-${variant}`);
      const bodies = await make(["push", "MODULE=bodies", `IMAGE=${registry.host}/shadowdiff/filter-bodies:${variant}`, `VARIANT=${variant}`, "INSECURE=1", `FILTER_MANIFESTS=${bodiesManifests}`]);
      expect(bodies.code, bodies.stderr).toBe(0);
      pushedBodies[variant] = {
        stdout: bodies.stdout,
        plugin: wasmPluginSource(join(bodiesManifests, "wasmplugin.yaml")),
        gate: gatedEnvoyFilterSource(join(bodiesManifests, "gated-envoyfilter.yaml")),
      };
    }
  }, 240_000);

  const pushedTags = async (): Promise<string[]> =>
    (((await (await fetch(`http://${registry.host}/v2/shadowdiff/filter/tags/list`)).json()) as { tags: string[] }).tags).sort();

  afterAll(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the digest it pushed, the one built, and puts it in the WasmPlugin and the gated EnvoyFilter", () => {
    expect(pushed.compat.stdout).toContain(`digest ${builtDigest("filter")}`);
    expect(pushed.oci.stdout).toContain(`digest ${builtDigest("filter-oci")}`);
    expect(pushed.compat.plugin).toEqual({ url: `oci://${registry.host}/shadowdiff/filter:compat`, sha256: builtDigest("filter").slice(7) });
    expect(pushed.oci.plugin).toEqual({ url: `oci://${registry.host}/shadowdiff/filter:oci`, sha256: builtDigest("filter-oci").slice(7) });
    expect(pushed.compat.gate).toEqual(pushed.compat.plugin);
    expect(pushed.oci.gate).toEqual(pushed.oci.plugin);
    expect(pushed.compat.stdout).toContain(`filter for it: ${join(dir, "compat", "gated-envoyfilter.yaml")}`);
  });

  it("MODULE=bodies pushes the bodies module's image, prints its digest and puts it in both modes", () => {
    expect(pushedBodies.compat.stdout).toContain(`digest ${builtBodiesDigest("filter")}`);
    expect(pushedBodies.oci.stdout).toContain(`digest ${builtBodiesDigest("filter-oci")}`);
    expect(pushedBodies.compat.plugin).toEqual({ url: `oci://${registry.host}/shadowdiff/filter-bodies:compat`, sha256: builtBodiesDigest("filter").slice(7) });
    expect(pushedBodies.oci.plugin).toEqual({ url: `oci://${registry.host}/shadowdiff/filter-bodies:oci`, sha256: builtBodiesDigest("filter-oci").slice(7) });
    expect(pushedBodies.compat.gate).toEqual(pushedBodies.compat.plugin);
    expect(pushedBodies.oci.gate).toEqual(pushedBodies.oci.plugin);
  });

  it("refuses an unknown MODULE, or values naming another module than the image's, and pushes nothing", async () => {
    const unknown = await make(["push", "MODULE=streaming", `IMAGE=${registry.host}/shadowdiff/filter:streaming`, "INSECURE=1", `FILTER_MANIFESTS=${join(dir, "refused-module")}`]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/MODULE must be default or bodies, got "streaming"/);
    const values = join(dir, "bodies-values.yaml");
    writeFileSync(values, stringify({ filter: { module: "bodies", pluginConfig: REQUEST_BODIES } }));
    const manifests = join(dir, "refused-bodies-values");
    const mismatched = await make(["push", `IMAGE=${registry.host}/shadowdiff/filter:mismatched`, "INSECURE=1", `VALUES=${values}`, `FILTER_MANIFESTS=${manifests}`]);
    expect(mismatched.code).not.toBe(0);
    expect(mismatched.stderr).toMatch(/filter\.module is "bodies", but the image is the default module's \(MODULE=default\); give MODULE=bodies/);
    expect(readdirSync(manifests).filter((file) => file.endsWith(".yaml"))).toEqual([]);
    const plain = join(dir, "default-values.yaml");
    writeFileSync(plain, stringify({ filter: { pluginConfig: REQUEST_BODIES } }));
    const refused = await make(["push", `IMAGE=${registry.host}/shadowdiff/filter:refused-bodies`, "INSECURE=1", `VALUES=${plain}`, `FILTER_MANIFESTS=${join(dir, "refused-default")}`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/filter\.pluginConfig\.request_bodies needs filter\.module bodies/);
    expect(await pushedTags()).toEqual(TAGS);
  });

  it("renders only the gated EnvoyFilter when the values choose the gate, with the values' settings", async () => {
    const values = join(dir, "gate-values.yaml");
    writeFileSync(values, stringify({ filter: { mode: "gate", namespace: "store", pluginConfig: { sample_percent: 1 } } }));
    const manifests = join(dir, "gate-only");
    const result = await make(["push", `IMAGE=${registry.host}/shadowdiff/filter:compat`, "INSECURE=1", `VALUES=${values}`, `FILTER_MANIFESTS=${manifests}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(manifests).filter((file) => !file.startsWith("."))).toEqual(["gated-envoyfilter.yaml"]);
    const gate = parse(readFileSync(join(manifests, "gated-envoyfilter.yaml"), "utf8")) as { metadata: { namespace: string } };
    expect(gate.metadata.namespace).toBe("store");
    expect(gatedEnvoyFilterSource(join(manifests, "gated-envoyfilter.yaml"))).toEqual(pushed.compat.plugin);
  });

  it("refuses values the chosen mode cannot take, naming the value, and pushes nothing", async () => {
    const values = join(dir, "refused-values.yaml");
    writeFileSync(values, stringify({ filter: { mode: "gate", failStrategy: "FAIL_CLOSE" } }));
    const manifests = join(dir, "refused-values");
    const result = await make(["push", `IMAGE=${registry.host}/shadowdiff/filter:refused-values`, "INSECURE=1", `VALUES=${values}`, `FILTER_MANIFESTS=${manifests}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/filter\.failStrategy is FAIL_CLOSE/);
    expect(readdirSync(manifests).filter((file) => file.endsWith(".yaml"))).toEqual([]);
    expect(await pushedTags()).toEqual(TAGS);
  });

  it("refuses to push without IMAGE, or to an unknown variant, saying what is missing", async () => {
    const noImage = await make(["push"]);
    expect(noImage.code).not.toBe(0);
    expect(noImage.stderr).toMatch(/make push needs IMAGE=registry\/repository:tag/);
    const badVariant = await make(["push", `IMAGE=${registry.host}/shadowdiff/filter:x`, "VARIANT=docker", "INSECURE=1"]);
    expect(badVariant.code).not.toBe(0);
    expect(badVariant.stderr).toMatch(/VARIANT must be compat or oci, got "docker"/);
  });

  it.each([
    ["no tag", (host: string) => `${host}/shadowdiff/filter`],
    ["a scheme", (host: string) => `oci://${host}/shadowdiff/filter:1`],
    ["shell syntax", (host: string) => `${host}/shadowdiff/filter:1";touch ${dir}/injected;echo "\`touch ${dir}/injected\``],
    ["helm --set syntax", (host: string) => `${host}/shadowdiff/filter:1,security.enabled=false`],
  ])("refuses an IMAGE with %s, runs none of it, and pushes nothing", async (name, image) => {
    const manifests = join(dir, `refused-${name.replace(/\W/g, "-")}`);
    const result = await make(["push", `IMAGE=${image(registry.host)}`, "INSECURE=1", `FILTER_MANIFESTS=${manifests}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/IMAGE must be registry\/repository:tag/);
    expect(existsSync(join(dir, "injected"))).toBe(false);
    expect(existsSync(manifests)).toBe(false);
    expect(await pushedTags()).toEqual(TAGS);
  });

  it("the compat image: Docker manifest v2, its last layer a gzip tar with plugin.wasm alone", async () => {
    const { body, digest } = await registryGet(registry, "shadowdiff/filter/manifests/compat", DOCKER_MANIFEST);
    expect(digest).toBe(builtDigest("filter"));
    const manifest = JSON.parse(body.toString()) as ImageManifest;
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([DOCKER_LAYER]);
    const layer = await registryGet(registry, `shadowdiff/filter/blobs/${manifest.layers[0]!.digest}`);
    expect(tarEntries(gunzipSync(layer.body)).map((entry) => entry.name)).toEqual(["plugin.wasm"]);
  });

  it("the oci image: OCI manifest, two layers, the module raw as the wasm content layer", async () => {
    const { body, digest } = await registryGet(registry, "shadowdiff/filter/manifests/oci", OCI_MANIFEST);
    expect(digest).toBe(builtDigest("filter-oci"));
    const manifest = JSON.parse(body.toString()) as ImageManifest;
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([WASM_CONFIG, WASM_LAYER]);
    const config = await registryGet(registry, `shadowdiff/filter/blobs/${manifest.layers[0]!.digest}`);
    expect(JSON.parse(config.body.toString())).toMatchObject({ type: "envoy_proxy", config: { root_ids: ["shadowdiff"] } });
  });

  it.each(["compat", "oci"] as const)("Istio's fetching rules extract the filter from the %s image", async (variant) => {
    const { body } = await registryGet(registry, `shadowdiff/filter/manifests/${variant}`, `${DOCKER_MANIFEST}, ${OCI_MANIFEST}`);
    const blobs = new Map<string, Buffer>();
    const manifest = JSON.parse(body.toString()) as ImageManifest;
    for (const layer of manifest.layers) blobs.set(layer.digest, (await registryGet(registry, `shadowdiff/filter/blobs/${layer.digest}`)).body);
    expect(istioExtract(manifest, (d) => blobs.get(d)!).equals(wasm)).toBe(true);
  });

  it("those rules refuse an image Istio would refuse (the check can fail)", () => {
    const blob = () => Buffer.alloc(0);
    expect(() => istioExtract({ mediaType: DOCKER_MANIFEST, config: {} as Descriptor, layers: [{ mediaType: OCI_LAYER, digest: "x", size: 0 }] }, blob)).toThrow(/invalid media type/);
    expect(() => istioExtract({ mediaType: OCI_MANIFEST, config: {} as Descriptor, layers: [{ mediaType: WASM_LAYER, digest: "x", size: 0 }] }, blob)).toThrow(/must be 2/);
  });

  it.each(["compat", "oci"] as const)("Istio's own fetcher pulls the %s image by the WasmPlugin's url and sha256, and gets the filter", async (variant) => {
    const { url, sha256 } = pushed[variant].plugin;
    const result = await run(istioWasmPull(), ["-url", url, "-sha256", sha256, "-dir", join(dir, `cache-${variant}`)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const module = readFileSync(result.stdout.trim().split("\n").at(-1)!);
    expect(module.equals(wasm)).toBe(true);
  });

  it.each(["compat", "oci"] as const)("Istio's own fetcher pulls the bodies module's %s image, and gets that module", async (variant) => {
    const { url, sha256 } = pushedBodies[variant].plugin;
    const result = await run(istioWasmPull(), ["-url", url, "-sha256", sha256, "-dir", join(dir, `cache-bodies-${variant}`)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const module = readFileSync(result.stdout.trim().split("\n").at(-1)!);
    expect(module.equals(bodiesWasm)).toBe(true);
  });

  it("Istio's fetcher refuses the module when the WasmPlugin's sha256 is not the image's", async () => {
    const { url, sha256 } = pushed.compat.plugin;
    const wrong = `${sha256.slice(0, -1)}${sha256.endsWith("0") ? "1" : "0"}`;
    const result = await run(istioWasmPull(), ["-url", url, "-sha256", wrong, "-dir", join(dir, "cache-wrong")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`has checksum ${sha256}, which does not match: ${wrong}`));
  });

  /** The module Istio's fetcher extracts from the image a WasmPlugin names, pulled into `cache`. */
  async function pullWithIstio(source: FilterSource, cache: string): Promise<string> {
    const result = await run(istioWasmPull(), ["-url", source.url, "-sha256", source.sha256, "-dir", join(dir, cache)]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim().split("\n").at(-1)!;
  }

  async function expectEnvoyValidates(wasmPath: string, plugin: PluginConfiguration): Promise<void> {
    const config = join(dir, "envoy-validate.json");
    writeFileSync(config, JSON.stringify(renderBootstrap({ primary: { port: 1 }, mode: { kind: "filter", shadow: { port: 2 }, collector: { port: 3 }, wasmPath, plugin } })));
    const result = await run(envoyBinary(), ["--mode", "validate", "-c", config]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }

  /** The real Envoy with the module and `plugin`, between a primary, a shadow and a collector on 127.0.0.1, for `check`. */
  async function throughEnvoy(wasmPath: string, plugin: PluginConfiguration, check: typeof expectOneMirroredRequest): Promise<void> {
    const upstreams = await startUpstreams();
    const collector = await startCollector(parseConfig('grpc: { address: "127.0.0.1:0" }\nhttp: { address: "127.0.0.1:0" }\nexamples: { path: ":memory:" }\n', {}), {
      log: createLogger(() => {}, "error"),
    });
    const envoy = await startEnvoy(
      renderBootstrap({
        primary: { port: upstreams.primary },
        mode: { kind: "filter", shadow: { port: upstreams.shadow }, collector: { port: collector.grpcPort }, wasmPath, plugin: { flush_interval_ms: 100, ...plugin } },
      }),
    );
    try {
      await check(envoy.listenerPort, upstreams, collector.httpPort);
    } finally {
      await envoy.stop();
      await collector.close();
      await upstreams.close();
    }
  }

  describe("the module Istio extracted, in the real Envoy", () => {
    let modulePath: string;

    beforeAll(async () => {
      modulePath = await pullWithIstio(pushed.compat.plugin, "cache-envoy");
    });

    it("passes envoy --mode validate", () => expectEnvoyValidates(modulePath, {}));

    it("serves a request: the client gets the primary's answer, the shadow a tagged copy, the collector the pair", () =>
      throughEnvoy(modulePath, {}, expectOneMirroredRequest));
  });

  describe("the bodies module Istio extracted, in the real Envoy", () => {
    let modulePath: string;
    let defaultModulePath: string;

    beforeAll(async () => {
      modulePath = await pullWithIstio(pushedBodies.compat.plugin, "cache-bodies-envoy");
      defaultModulePath = await pullWithIstio(pushed.compat.plugin, "cache-default-refuses");
    });

    it("the default module Istio extracted refuses the request_bodies configuration", async () => {
      const host = await ProxyWasmHost.load(defaultModulePath, { clusters: ["shadow", "collector"] });
      expect(host.start(JSON.stringify({ shadow_cluster: "shadow", collector_cluster: "collector", ...REQUEST_BODIES }))).toBe(false);
      expect(host.logs.map((entry) => entry.message).join("\n")).toMatch(/config key "request_bodies" is unknown/);
    });

    it("passes envoy --mode validate with request_bodies", () => expectEnvoyValidates(modulePath, REQUEST_BODIES));

    it("mirrors a POST with its body: the client gets the primary's answer, the shadow the exact body, the collector the pair", () =>
      throughEnvoy(modulePath, REQUEST_BODIES, expectOneMirroredWrite));
  });
});
