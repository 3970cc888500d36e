// The command as Node users get it: `npm pack`, then `npm install -g --prefix DIR` of the tarball
// (what the collector's Dockerfile does too). The installed `shadowdiff` answers --help for every
// command, holds production dependencies only, and its collector serves health and takes a
// Report over real gRPC.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, run } from "./support/tools.js";
import { eventually } from "../../support/eventually.js";
import { ReportClient } from "../../support/report-client.js";
import { jsonPair, jsonResponse } from "../../support/wire-pairs.js";
import { waitForPairs } from "./support/upstreams.js";

const COMMANDS = ["collector", "report", "verdict", "envoy-config"];

let dir: string;
let bin: string;
let installed: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-install-"));
  const pack = await run("npm", ["pack", "--pack-destination", dir, "--silent"]);
  expect(pack.code, pack.stderr).toBe(0);
  const tarball = join(dir, pack.stdout.trim().split("\n").at(-1)!);
  // better-sqlite3 builds from source when its prebuilt binary cannot be downloaded: minutes.
  const install = await run("npm", ["install", "--global", "--prefix", join(dir, "prefix"), "--no-audit", "--no-fund", tarball], { cwd: dir });
  expect(install.code, install.stderr).toBe(0);
  bin = join(dir, "prefix", "bin", "shadowdiff");
  installed = join(dir, "prefix", "lib", "node_modules", "shadowdiff");
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shadowdiff installed from the packed tarball", () => {
  it("is on the prefix's PATH and lists every command", async () => {
    const result = await run("shadowdiff", ["--help"], { env: { ...process.env, PATH: `${join(dir, "prefix", "bin")}:${process.env.PATH}` } });
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(`shadowdiff ${command}`);
  });

  it.each(COMMANDS)("shadowdiff %s --help answers its usage with exit 0", async (command) => {
    const result = await run(bin, [command, "--help"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(new RegExp(`^usage: shadowdiff ${command}`));
    expect(result.code).toBe(0);
  });

  it("still refuses an unknown option, naming it (the help check can fail)", async () => {
    const result = await run(bin, ["collector", "--confg", "x.yaml"]);
    expect(result.stderr).toMatch(/--confg/);
    expect(result.code).toBe(2);
  });

  it("holds the built command, the page, the contract and the filter, and no development dependency", () => {
    expect(existsSync(join(installed, "dist", "host", "cli.js"))).toBe(true);
    expect(existsSync(join(installed, "dist", "page", "index.html"))).toBe(true);
    expect(existsSync(join(installed, "proto", "shadowdiff", "v1", "capture.proto"))).toBe(true);
    expect(existsSync(join(installed, "build", "shadowdiff.wasm"))).toBe(true);
    const modules = readdirSync(join(installed, "node_modules"));
    expect(modules).toEqual(expect.arrayContaining(["better-sqlite3", "@grpc", "prom-client"]));
    for (const dev of ["typescript", "vitest", "assemblyscript", "fast-check", "@grafana", "esbuild", "preact", "uplot", "playwright-core"]) {
      expect(modules, dev).not.toContain(dev);
    }
    expect(existsSync(join(installed, "assembly"))).toBe(false);
    expect(existsSync(join(installed, "test"))).toBe(false);
  });
});

describe("the installed collector", () => {
  let collector: ChildProcess;
  let output = "";
  let ports: { grpcPort: number; httpPort: number };

  beforeAll(async () => {
    const config = join(dir, "collector.yaml");
    writeFileSync(config, 'grpc: { address: "127.0.0.1:0" }\nhttp: { address: "127.0.0.1:0" }\nexamples: { path: ":memory:" }\n');
    // Started from an empty folder: nothing but the installed package is needed.
    const cwd = mkdtempSync(join(dir, "run-"));
    collector = spawn(bin, ["collector", "--config", config], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    collector.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    collector.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    ports = await eventually(() => {
      const line = output.split("\n").find((text) => text.includes('"collector listening"'));
      if (line === undefined) throw new Error(`no "collector listening" line yet in:\n${output}`);
      return JSON.parse(line) as { grpcPort: number; httpPort: number };
    }, { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    if (collector.exitCode === null) {
      const exited = new Promise((resolve) => collector.once("exit", resolve));
      collector.kill("SIGTERM");
      await exited;
    }
  });

  it("answers /healthz and /readyz", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(`http://127.0.0.1:${ports.httpPort}${path}`);
      expect(response.status, path).toBe(200);
    }
  });

  it("serves the page at / with the script it names", async () => {
    const url = `http://127.0.0.1:${ports.httpPort}`;
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const script = /src="(app-[A-Z0-9]{8}\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${url}/${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  });

  it("takes a Report over gRPC and counts the pair", async () => {
    const client = new ReportClient(`127.0.0.1:${ports.grpcPort}`);
    try {
      expect(await client.reportPairs([jsonPair("/users/7", jsonResponse({ id: 7 }, 3), jsonResponse({ id: 7 }, 4))])).toBe(1);
    } finally {
      client.close();
    }
    expect((await waitForPairs(ports.httpPort, 1)).matched).toBe(1);
  });

  it("stops on SIGTERM with exit 0", async () => {
    const exited = new Promise<number | null>((resolve) => collector.once("exit", resolve));
    collector.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/"level":"error"/);
  });
});
