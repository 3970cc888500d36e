// Who may reach whom, as network-config-analyzer computes it from manifests: workloads
// (Deployments, StatefulSets) and the policies over them (Kubernetes NetworkPolicies; Istio
// AuthorizationPolicies and Sidecars). `make tools` installs it; NCA names the binary.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { repoRoot } from "../../../support/paths.js";
import { run } from "../../ship/support/tools.js";
import type { Manifest } from "./manifests.js";

/** The analyzer's binary: $NCA, else the one `make tools` links into .tools/nca-<version>/. */
function ncaBinary(): string {
  const fromEnv = process.env.NCA;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const tools = join(repoRoot(), ".tools");
  const folder = existsSync(tools) ? readdirSync(tools).find((entry) => entry.startsWith("nca-")) : undefined;
  if (folder === undefined) throw new Error("network-config-analyzer is not installed: run make tools (or set NCA)");
  return join(tools, folder, "nca");
}

/**
 * Allowed connections by "namespace/workload => namespace/workload" (external addresses read
 * 0.0.0.0-255.255.255.255), with the analyzer's description of what passes, e.g.
 * `{protocols:TCP,dst_ports:5432}`. With Istio resources in the input the analyzer splits TCP
 * (which the sidecars see) from other protocols; `tcp` then holds the TCP part, else everything.
 */
export interface Connectivity {
  tcp: Map<string, string>;
  other: Map<string, string>;
}

/** `shop-shadow/api-shadow[Deployment]` → `shop-shadow/api-shadow`. */
const peer = (text: string): string => text.trim().replace(/\[[A-Za-z]+\]$/, "");

export function parseConnectivity(output: string): Connectivity {
  const result: Connectivity = { tcp: new Map(), other: new Map() };
  let section = result.tcp;
  for (const line of output.split("\n")) {
    if (line === "TCP Connections:") section = result.tcp;
    else if (line === "non-TCP Connections:") section = result.other;
    const match = /^(\S+) => (\S+) : (.+)$/.exec(line);
    if (match !== null) section.set(`${peer(match[1]!)} => ${peer(match[2]!)}`, match[3]!);
  }
  return result;
}

/** Runs the analyzer's connectivity query over the given documents (written to a scratch folder). */
export async function connectivity(documents: Manifest[]): Promise<Connectivity> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-nca-"));
  try {
    const text = documents.map(({ file: _file, ...document }) => stringify(document)).join("---\n");
    writeFileSync(join(dir, "resources.yaml"), text);
    const result = await run(ncaBinary(), ["--connectivity", "--resource_list", dir, "--output_format", "txt_no_fw_rules"]);
    if (result.code !== 0) throw new Error(`nca exited ${result.code}: ${result.stderr}`);
    const parsed = parseConnectivity(result.stdout);
    if (parsed.tcp.size === 0) throw new Error(`nca reported no connection at all:\n${result.stdout}\n${result.stderr}`);
    return parsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every source that reaches `destination`, sorted. */
export function sourcesOf(connections: Map<string, string>, destination: string): string[] {
  return [...connections.keys()]
    .filter((pair) => pair.endsWith(` => ${destination}`))
    .map((pair) => pair.slice(0, pair.indexOf(" => ")))
    .sort();
}

/** Every destination `source` reaches, sorted. */
export function destinationsOf(connections: Map<string, string>, source: string): string[] {
  return [...connections.keys()]
    .filter((pair) => pair.startsWith(`${source} => `))
    .map((pair) => pair.slice(pair.indexOf(" => ") + 4))
    .sort();
}
