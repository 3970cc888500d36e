// An abort inside the module (a failed assertion, an out-of-bounds access, a host call answering
// what it never should) must reach Envoy's log: AssemblyScript's abort is routed to proxy_log at
// critical level, with message and location. A small probe module
// (assembly/probes/abort-probe.ts) built with the filter's abort setting fails on demand.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProxyWasmHost } from "../wasmhost/host.js";
import { WasmTrapError } from "../wasmhost/errors.js";
import { readModuleImports } from "../wasmhost/wasm-binary.js";
import { readFileSync } from "node:fs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dir = "";
let probe = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shadowdiff-abort-"));
  probe = join(dir, "abort-probe.wasm");
  await promisify(execFile)(
    join(ROOT, "node_modules/.bin/asc"),
    ["assembly/probes/abort-probe.ts", "--config", "test/filter/fixtures/abort-probe.asconfig.json", "-o", probe],
    { cwd: ROOT },
  );
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("abort", () => {
  it("is not imported from env", () => {
    const names = readModuleImports(new Uint8Array(readFileSync(probe))).map((i) => `${i.module}.${i.name}`);
    expect(names).not.toContain("env.abort");
    expect(names).toContain("env.proxy_log");
  });

  it("logs its message and location at critical level, then traps", async () => {
    const host = await ProxyWasmHost.load(probe);
    expect(() => host.start("not empty")).toThrow();
    const critical = host.logs.filter((l) => l.level === "critical").map((l) => l.message);
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatch(
      /^shadowdiff: abort: abort probe: configuration must be empty at assembly\/probes\/abort-probe\.ts:\d+:\d+$/,
    );
  });

  it("stays silent when nothing fails", async () => {
    const host = await ProxyWasmHost.load(probe);
    expect(host.start("")).toBe(true);
    expect(host.logs.filter((l) => l.level === "critical")).toEqual([]);
  });
});

describe("the ABI layer's errors", () => {
  async function configure(command: string): Promise<{ started: boolean | "trapped"; critical: string[]; logs: string[] }> {
    const host = await ProxyWasmHost.load(probe);
    let started: boolean | "trapped";
    try {
      started = host.start(command);
    } catch (error) {
      if (!(error instanceof WasmTrapError)) throw error;
      started = "trapped";
    }
    return {
      started,
      critical: host.logs.filter((l) => l.level === "critical").map((l) => l.message),
      logs: host.logs.map((l) => l.message),
    };
  }

  it("reads NOT_FOUND as absent", async () => {
    const { started, critical, logs } = await configure("absent property");
    expect(started).toBe(true);
    expect(critical).toEqual([]);
    expect(logs).toContain("property: null");
  });

  it("aborts on any other unexpected status, naming the call", async () => {
    const { started, critical } = await configure("unexpected status");
    expect(started).toBe("trapped");
    expect(critical).toEqual(["shadowdiff: abort: proxy_remove_header_map_value answered 2"]);
  });

  it("lets in-place reads follow each other once released", async () => {
    const { started, critical } = await configure("read in place, released");
    expect(started).toBe(true);
    expect(critical).toEqual([]);
  });

  it("aborts an in-place read made while the previous one is held", async () => {
    const { started, critical } = await configure("read in place twice");
    expect(started).toBe("trapped");
    expect(critical).toEqual([
      "shadowdiff: abort: proxy_get_buffer_bytes read in place while held",
    ]);
  });
});
