// The Istio tests fail, saying why, wherever they cannot run: without root, outside a network
// namespace of their own, without a command or the Istio binaries they need. Never skipped. And
// the Istio they build is the one whose Wasm fetcher the image tests use.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, run } from "../ship/support/tools.js";
import { machineFacts, meshProblems, type MachineFacts } from "./support/preconditions.js";

const READY: MachineFacts = { uid: 0, netNamespace: "net:[1]", testNetNamespace: "net:[1]", missingCommands: [], istioBin: "/opt/istio", missingIstioFiles: [], unreachableByProxy: [] };

describe("what the Istio tests need", () => {
  it("holds here (make test-istio set it up)", () => {
    expect(meshProblems(machineFacts())).toEqual([]);
  });

  it.each<[string, Partial<MachineFacts>, RegExp]>([
    ["not root", { uid: 1000 }, /need root \(uid 0, not 1000\): they create a network namespace per workload, write iptables rules as istio-iptables does, and mount the agent's Wasm cache folder \/var\/lib\/istio\/data/],
    ["outside scripts/in-netns.sh", { testNetNamespace: undefined }, /network namespace of their own, never in the machine's: run them with `make test-istio`/],
    ["in another namespace than the one it made", { netNamespace: "net:[2]" }, /network namespace of their own/],
    ["without iptables and socat", { missingCommands: ["iptables", "socat"] }, /missing commands: iptables, socat \(make test-istio installs them from Debian\)/],
    ["without ISTIO_BIN", { istioBin: undefined }, /ISTIO_BIN is not set: run the Istio tests with `make test-istio`/],
    ["without istiod", { missingIstioFiles: ["pilot-discovery"] }, /\/opt\/istio lacks pilot-discovery: run make test-istio/],
    ["with the agent in a folder the proxy's user cannot enter", { unreachableByProxy: ["/root/istio/pilot-agent"] }, /the proxy's user \(uid 1337\) cannot reach \/root\/istio\/pilot-agent: .*chmod o\+rx/],
  ])("%s: a reason naming what to do", (_name, change, message) => {
    const problems = meshProblems({ ...READY, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("lists every reason at once", () => {
    expect(meshProblems({ ...READY, uid: 1000, missingCommands: ["socat"], istioBin: undefined })).toHaveLength(3);
  });

  it("scripts/in-netns.sh refuses to run without root, saying so", async () => {
    const result = await run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", join(REPO, "scripts", "in-netns.sh"), "true"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/in-netns\.sh: the Istio tests need root \(uid 0, not 65534\)/);
  });
});

describe("the Istio pin", () => {
  it("istiod and the agent are built from the istio.io/istio whose Wasm fetcher the image tests use", () => {
    const pinned = /^ISTIO_VERSION := (\S+)$/m.exec(readFileSync(join(REPO, "Makefile"), "utf8"))?.[1];
    const fetcher = /^require istio\.io\/istio (\S+)$/m.exec(readFileSync(join(REPO, "test", "istio-wasm-pull", "go.mod"), "utf8"))?.[1];
    expect(pinned).toMatch(/^v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
    expect(fetcher).toBe(pinned);
  });
});
