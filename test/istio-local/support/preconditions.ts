// What the Istio tests need from the machine, checked before anything starts: root (a network
// namespace per workload, iptables rules as istio-iptables writes them, the agent's Wasm cache
// folder /var/lib/istio/data, which Istio hard-codes), a network namespace of the tests' own (made
// by `make test-istio`), the commands they run and the Istio binaries the Makefile builds. Any
// of them missing fails the tests with a message saying which and what to do; none is skipped.
import { execFileSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { envoyBinary } from "../../../support/paths.js";

/** Debian's commands the harness runs (`make test-istio` installs the missing ones). */
export const REQUIRED_COMMANDS = ["ip", "iptables", "iptables-restore", "unshare", "nsenter", "setpriv", "mount", "socat", "openssl", "docker-registry"] as const;

export interface MachineFacts {
  uid: number;
  /** /proc/self/ns/net, and the namespace scripts/in-netns.sh made (SHADOWDIFF_NETNS; undefined outside it). */
  netNamespace: string;
  testNetNamespace: string | undefined;
  missingCommands: string[];
  /** ISTIO_BIN, the folder of pilot-discovery, pilot-agent and envoy_bootstrap.json; undefined if unset. */
  istioBin: string | undefined;
  missingIstioFiles: string[];
  /** Files the proxy's user (1337) must reach and cannot: the agent, its bootstrap template, Envoy. */
  unreachableByProxy: string[];
}

export const ISTIO_FILES = ["pilot-discovery", "pilot-agent", "envoy_bootstrap.json"] as const;

/** Each reason the Istio tests cannot run here, as a sentence; empty when they can. */
export function meshProblems(facts: MachineFacts): string[] {
  const problems: string[] = [];
  if (facts.uid !== 0) {
    problems.push(
      `the Istio tests need root (uid 0, not ${facts.uid}): they create a network namespace per workload, write iptables rules as istio-iptables does, and mount the agent's Wasm cache folder /var/lib/istio/data`,
    );
  }
  if (facts.testNetNamespace === undefined || facts.netNamespace !== facts.testNetNamespace) {
    problems.push("the Istio tests run in a network namespace of their own, never in the machine's: run them with `make test-istio` (scripts/in-netns.sh)");
  }
  if (facts.missingCommands.length > 0) {
    problems.push(`missing commands: ${facts.missingCommands.join(", ")} (make test-istio installs them from Debian)`);
  }
  if (facts.istioBin === undefined) {
    problems.push("ISTIO_BIN is not set: run the Istio tests with `make test-istio`, which builds istiod and the agent into .tools/ and names the folder");
  } else if (facts.missingIstioFiles.length > 0) {
    problems.push(`${facts.istioBin} lacks ${facts.missingIstioFiles.join(", ")}: run make test-istio, which builds them`);
  }
  if (facts.unreachableByProxy.length > 0) {
    problems.push(`the proxy's user (uid 1337) cannot reach ${facts.unreachableByProxy.join(", ")}: the agent and Envoy run as it; let others read and enter the folders on the way (chmod o+rx)`);
  }
  return problems;
}

export function machineFacts(): MachineFacts {
  const istioBin = process.env.ISTIO_BIN === undefined || process.env.ISTIO_BIN === "" ? undefined : process.env.ISTIO_BIN;
  return {
    uid: process.getuid?.() ?? -1,
    netNamespace: namespaceOf(),
    testNetNamespace: process.env.SHADOWDIFF_NETNS === undefined || process.env.SHADOWDIFF_NETNS === "" ? undefined : process.env.SHADOWDIFF_NETNS,
    missingCommands: REQUIRED_COMMANDS.filter((command) => !hasCommand(command)),
    istioBin,
    missingIstioFiles: istioBin === undefined ? [] : ISTIO_FILES.filter((file) => !existsSync(join(istioBin, file))),
    unreachableByProxy: [
      ...(istioBin === undefined ? [] : [["-x", join(istioBin, "pilot-agent")], ["-r", join(istioBin, "envoy_bootstrap.json")]]),
      ["-x", envoyBinary()],
    ].filter(([test, path]) => existsSync(path!) && !proxyUserCan(test!, path!)).map(([, path]) => path!),
  };
}

/** Whether uid 1337 passes `test FLAG PATH` (the path's folders included). */
function proxyUserCan(flag: string, path: string): boolean {
  try {
    execFileSync("setpriv", ["--reuid=1337", "--regid=1337", "--clear-groups", "--", "test", flag, path], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Throws with every problem at once, so one run says all that is missing. */
export function assertMeshCanRun(): void {
  const problems = meshProblems(machineFacts());
  if (problems.length > 0) throw new Error(`shadowdiff Istio tests cannot run here:\n- ${problems.join("\n- ")}`);
}

function namespaceOf(): string {
  try {
    return readlinkSync("/proc/self/ns/net");
  } catch {
    return "unknown";
  }
}

function hasCommand(command: string): boolean {
  try {
    execFileSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
