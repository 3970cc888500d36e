// The mesh's certificate authority, made for each test run with openssl: a root, and for each
// workload the files Istio's agent takes instead of asking istiod's CA (mounted certificates,
// ./var/run/secrets/workload-spiffe-credentials/): cert-chain.pem, key.pem and root-cert.pem, for
// the workload's SPIFFE identity spiffe://cluster.local/ns/NAMESPACE/sa/SERVICE_ACCOUNT.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./commands.js";

export const TRUST_DOMAIN = "cluster.local";

export interface MeshCa {
  readonly rootCertPath: string;
  /** Writes the workload's credentials into `dir` (the three files the agent reads). */
  issue(identity: WorkloadIdentity, dir: string): Promise<void>;
}

export interface WorkloadIdentity {
  namespace: string;
  serviceAccount: string;
}

export const spiffeId = ({ namespace, serviceAccount }: WorkloadIdentity): string => `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;

/** The principal an AuthorizationPolicy names: the SPIFFE id without its scheme. */
export const principal = (identity: WorkloadIdentity): string => spiffeId(identity).slice("spiffe://".length);

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export async function createMeshCa(dir: string): Promise<MeshCa> {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, "root-key.pem");
  const rootCertPath = join(dir, "root-cert.pem");
  await runCommand("openssl", [
    "req", "-x509", ...EC_KEY, "-keyout", caKey, "-out", rootCertPath, "-days", "2",
    "-subj", "/O=shadowdiff test mesh/CN=root",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  let serial = 1;
  return {
    rootCertPath,
    issue: async (identity, out) => {
      mkdirSync(out, { recursive: true });
      const name = `${identity.namespace}.${identity.serviceAccount}`;
      const request = join(dir, `${name}.csr`);
      const extensions = join(dir, `${name}.ext`);
      // What Istio's CA puts in a workload certificate: the SPIFFE id as the only name, for both ends of mutual TLS.
      writeFileSync(
        extensions,
        [
          "basicConstraints=critical,CA:FALSE",
          "keyUsage=critical,digitalSignature,keyEncipherment",
          "extendedKeyUsage=serverAuth,clientAuth",
          `subjectAltName=critical,URI:${spiffeId(identity)}`,
          "",
        ].join("\n"),
      );
      await runCommand("openssl", ["req", "-new", ...EC_KEY, "-keyout", join(out, "key.pem"), "-out", request, "-subj", `/O=${TRUST_DOMAIN}`]);
      await runCommand("openssl", [
        "x509", "-req", "-in", request, "-CA", rootCertPath, "-CAkey", caKey, "-set_serial", String(++serial),
        "-days", "1", "-extfile", extensions, "-out", join(out, "cert-chain.pem"),
      ]);
      writeFileSync(join(out, "root-cert.pem"), readFileSync(rootCertPath));
    },
  };
}
