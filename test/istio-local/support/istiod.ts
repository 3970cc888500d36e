// istiod (pilot-discovery, built by `make test-istio` with test/istio-local/istiod-no-k8s.patch)
// reading every Istio object from a folder instead of Kubernetes, with no service registry but
// ServiceEntries and WorkloadEntries. Files added, replaced or removed there are what `kubectl
// apply` and `delete` are to a cluster: istiod validates each file as its admission webhook would
// (a file it refuses changes nothing) and pushes the result to the agents.
//
// Three settings keep Istio's own proxy extensions out of what istiod sends, because the pinned
// upstream Envoy does not have them (its NACK otherwise names each):
//   PILOT_ENABLE_METADATA_EXCHANGE=false   istio.metadata_exchange, io.istio.http.peer_metadata
//   PILOT_ENABLE_ALPN_FILTER=false         istio.alpn
//   no metrics providers in the mesh config  istio.stats
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { stringify } from "yaml";
import { eventually } from "../../../support/eventually.js";
import { startLongRunning, type LongRunning } from "./commands.js";
import { TRUST_DOMAIN } from "./mesh-ca.js";

export const ROOT_NAMESPACE = "istio-system";
/** Plain-text xDS: the agents connect without istiod's certificates (controlPlaneAuthPolicy NONE). */
export const XDS_PORT = 15010;
const HTTP_PORT = 15014;

export const ISTIOD_ENV = {
  PILOT_ENABLE_METADATA_EXCHANGE: "false",
  PILOT_ENABLE_ALPN_FILTER: "false",
} as const;

export interface Istiod {
  /** host:port the agents reach xDS at. */
  readonly xdsAddress: string;
  readonly configDir: string;
  readonly process: LongRunning;
  /** Writes `documents` as one file of the config folder, replacing a file of that name (as a whole). */
  apply(file: string, documents: readonly object[] | string): void;
  /** Removes a file of the config folder, and so its objects. */
  remove(file: string): void;
  /** istiod's debug endpoint: /debug/configz, /debug/syncz, ... as JSON. */
  debug(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

export interface IstiodOptions {
  binary: string;
  address: string;
  dir: string;
  configDir: string;
}

/** The mesh configuration: everything at Istio's defaults but the control plane's address and auth. */
export function meshConfig(xdsAddress: string): object {
  return {
    rootNamespace: ROOT_NAMESPACE,
    trustDomain: TRUST_DOMAIN,
    defaultConfig: { discoveryAddress: xdsAddress, controlPlaneAuthPolicy: "NONE" },
  };
}

export async function startIstiod(options: IstiodOptions): Promise<Istiod> {
  const { address, dir, configDir } = options;
  const xdsAddress = `${address}:${XDS_PORT}`;
  // istiod answers its debug endpoints without credentials to local callers only: a loopback
  // address of this mesh's own (127.x.y.z for the node's 10.x.y.z).
  const debugAddress = `127.${address.split(".").slice(1).join(".")}:${HTTP_PORT}`;
  const meshFile = join(dir, "mesh.yaml");
  writeFileSync(meshFile, stringify(meshConfig(xdsAddress)));
  const process_ = startLongRunning(
    "istiod",
    options.binary,
    [
      "discovery",
      "--registries=",
      `--configDir=${configDir}`,
      `--meshConfig=${meshFile}`,
      "--networksConfig=/dev/null",
      `--grpcAddr=${xdsAddress}`,
      `--httpAddr=${debugAddress}`,
      `--monitoringAddr=${address}:15015`,
      `--secureGRPCAddr=${address}:15012`,
      `--httpsAddr=${address}:15017`,
      "--domain=cluster.local",
      "--log_output_level=default:info",
    ],
    {
      cwd: dir,
      env: { ...process.env, POD_NAMESPACE: ROOT_NAMESPACE, POD_NAME: "istiod-0", ...ISTIOD_ENV },
      logPath: join(dir, "istiod.log"),
    },
  );
  // istiod's /ready stays 503 without Kubernetes (no sidecar injector to wait for): xDS accepting
  // connections is the signal.
  try {
    await eventually(async () => {
      if (process_.hasExited()) throw new Error(`istiod exited:\n${process_.log().slice(-4000)}`);
      await tcpConnects(address, XDS_PORT);
    }, { timeoutMs: 60_000, intervalMs: 100 });
  } catch (error) {
    await process_.stop();
    throw error;
  }
  const debugUrl = `http://${debugAddress}`;
  return {
    xdsAddress,
    configDir,
    process: process_,
    apply: (file, documents) => {
      const text = typeof documents === "string" ? documents : documents.map((document) => stringify(document)).join("---\n");
      // Written beside the folder, then renamed in: istiod never reads half a file.
      const next = join(dir, `.${file}.next`);
      writeFileSync(next, text);
      renameSync(next, join(configDir, file));
    },
    remove: (file) => rmSync(join(configDir, file), { force: true }),
    debug: async (path) => {
      const response = await fetch(`${debugUrl}${path}`);
      if (!response.ok) throw new Error(`istiod ${path}: HTTP ${response.status}`);
      return response.json();
    },
    stop: () => process_.stop(),
  };
}

function tcpConnects(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}
