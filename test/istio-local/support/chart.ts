// The chart as users render it: `helm template` with values, and `make push`, which pushes the
// filter image to a registry and renders the filter's manifests with its digest. The tests hand
// these files to istiod unchanged.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import type { Manifest } from "../../istio/support/manifests.js";
import { REPO, helm, make, run } from "../../ship/support/tools.js";

export interface Rendered {
  /** The rendering as helm wrote it. */
  text: string;
  documents: Manifest[];
}

export function parseManifests(text: string, file: string): Manifest[] {
  return parseAllDocuments(text)
    .filter((document) => document.contents !== null)
    .map((document) => ({ ...(document.toJS() as Omit<Manifest, "file">), file }));
}

/** `helm template shadowdiff charts/shadowdiff --namespace shadowdiff -f VALUES`. */
export async function helmTemplate(values: object, dir: string): Promise<Rendered> {
  const valuesFile = join(dir, `values-${Date.now()}-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(valuesFile, stringify(values));
  const result = await run(helm(), ["template", "shadowdiff", join(REPO, "charts", "shadowdiff"), "--namespace", "shadowdiff", "-f", valuesFile]);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return { text: result.stdout, documents: parseManifests(result.stdout, "chart") };
}

export interface PushedFilter {
  image: string;
  /**
   * The filter's manifests make push rendered for the image: wasmplugin.yaml and
   * gated-envoyfilter.yaml, or the one the values' filter.mode chooses (the other throws).
   */
  readonly wasmPlugin: Rendered;
  readonly gatedEnvoyFilter: Rendered;
}

/** `make push IMAGE=... VARIANT=... MODULE=... INSECURE=1 VALUES=... FILTER_MANIFESTS=...`. */
export async function pushFilter(options: { image: string; variant: "compat" | "oci"; module: "default" | "bodies"; values: object; dir: string }): Promise<PushedFilter> {
  const out = join(options.dir, `pushed-${options.module}-${options.variant}`);
  mkdirSync(out, { recursive: true });
  const valuesFile = join(out, "values.yaml");
  writeFileSync(valuesFile, stringify(options.values));
  const result = await make([
    "push", `IMAGE=${options.image}`, `VARIANT=${options.variant}`, `MODULE=${options.module}`, "INSECURE=1", `VALUES=${valuesFile}`, `FILTER_MANIFESTS=${out}`,
  ]);
  if (result.code !== 0) throw new Error(`make push failed:\n${result.stderr}${result.stdout}`);
  const read = (file: string): Rendered => {
    if (!existsSync(join(out, file))) throw new Error(`make push rendered no ${file} for these values`);
    const text = readFileSync(join(out, file), "utf8");
    return { text, documents: parseManifests(text, file) };
  };
  return {
    image: options.image,
    get wasmPlugin() {
      return read("wasmplugin.yaml");
    },
    get gatedEnvoyFilter() {
      return read("gated-envoyfilter.yaml");
    },
  };
}

/** The chart's WasmPlugin under another name, its spec changed: what a user would write by hand. */
export function renamedWasmPlugin(wasmPlugin: string, name: string, change: (spec: Record<string, any>) => void): string {
  const document = parse(wasmPlugin.replace(/^---\n/, "")) as { metadata: { name: string }; spec: Record<string, any> };
  document.metadata.name = name;
  change(document.spec);
  return stringify(document);
}
