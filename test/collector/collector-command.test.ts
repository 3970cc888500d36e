import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run as collectorCommand } from "../../host/commands/collector.js";
import { run as reportCommand } from "../../host/commands/report.js";

let dir: string;
let stdout: string[];
let stderr: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-command-"));
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(yaml: string): string {
  const path = join(dir, "collector.yaml");
  writeFileSync(path, yaml);
  return path;
}

// The command run in process, for what it refuses; test/e2e/collector-command.test.ts runs it as users do.
describe("shadowdiff collector", () => {
  it("refuses a bad configuration with a message naming the key, exit 1", async () => {
    const config = writeConfig("grpc:\n  adress: 127.0.0.1:0\n");
    expect(await collectorCommand(["--config", config])).toBe(1);
    expect(stderr.join("")).toContain('config key "grpc.adress" is unknown');
  });

  it("refuses an address already in use, exit 1", async () => {
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    const config = writeConfig(`grpc:\n  address: 127.0.0.1:0\nhttp:\n  address: 127.0.0.1:${port}\nexamples:\n  path: ":memory:"\n`);
    try {
      expect(await collectorCommand(["--config", config])).toBe(1);
      expect(stderr.join("")).toMatch(/HTTP address 127\.0\.0\.1:\d+ cannot be bound/);
    } finally {
      taken.close();
    }
  });

  it("usage errors exit 2", async () => {
    expect(await collectorCommand(["--conf", "x"])).toBe(2);
    expect(await reportCommand([])).toBe(2);
    expect(stderr.join("")).toContain("--collector URL is required");
  });
});
