// Ports other machines can reach: the intake refuses to start open unless told so (and then says
// so on every start and in /api/summary), and the HTTP port's token guards /api/* while probes and
// scrapers keep their paths.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run as runReport } from "../../host/commands/report.js";
import { EXIT_ERROR, runVerdict } from "../../host/commands/verdict.js";
import { ConfigError } from "../../host/config/validate.js";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";

const HTTP_TOKEN = "page-and-api-Tok3n.0123456789~+/";
const INTAKE_TOKEN = "intake-Tok3n.0123456789abcdef";

let dir: string;
const collectors: TestCollector[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-open-ports-"));
});
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((collector) => collector.cleanup()));
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function start(config: Parameters<typeof startTestCollector>[0]): Promise<TestCollector> {
  const collector = await startTestCollector(config);
  collectors.push(collector);
  return collector;
}

const warnings = (collector: TestCollector, msg: string) =>
  collector.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === "warn" && line.msg === msg);

describe("an intake other machines can reach", () => {
  it("does not start without a token unless the configuration allows it, naming the key", async () => {
    const refused = await startTestCollector({ grpc: { address: "0.0.0.0:0" } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain('config key "grpc.address" is 0.0.0.0:0, which other machines can reach, and no grpc.tokenFile is set');
  });

  it("started open on purpose, warns on every start and says so in /api/summary", async () => {
    for (let run = 0; run < 2; run++) {
      const collector = await start({ grpc: { address: "0.0.0.0:0", allowUnauthenticated: true } });
      expect(warnings(collector, "intake not authenticated")).toHaveLength(1);
      const summary = (await (await fetch(`${collector.httpUrl}/api/summary`)).json()) as { intake: unknown };
      expect(summary.intake).toEqual({ authenticated: false });
      await collector.close();
    }
  });

  it("with its token, says the intake is authenticated and warns of nothing", async () => {
    const collector = await start({ grpc: { address: "0.0.0.0:0", tokenFile: file("intake", INTAKE_TOKEN) } });
    expect(warnings(collector, "intake not authenticated")).toEqual([]);
    const summary = (await (await fetch(`${collector.httpUrl}/api/summary`)).json()) as { intake: unknown };
    expect(summary.intake).toEqual({ authenticated: true });
  });

  it("on loopback without a token, starts quietly and says the intake is not authenticated", async () => {
    const collector = await start({});
    expect(warnings(collector, "intake not authenticated")).toEqual([]);
    const summary = (await (await fetch(`${collector.httpUrl}/api/summary`)).json()) as { intake: unknown };
    expect(summary.intake).toEqual({ authenticated: false });
  });
});

describe("the HTTP port's token", () => {
  const get = (collector: TestCollector, path: string, authorization?: string | string[]) => {
    const headers = new Headers();
    for (const value of authorization === undefined ? [] : [authorization].flat()) headers.append("authorization", value);
    return fetch(`${collector.httpUrl}${path}`, { headers });
  };

  it("guards every /api/* path: no token, a wrong one, another scheme or two tokens get 401 with a challenge", async () => {
    const collector = await start({ http: { tokenFile: file("http", `${HTTP_TOKEN}\n`) } });
    for (const path of ["/api/summary", "/api/mismatches", "/api/mismatches/1", "/api/route?route=/x", "/api/nothing-here"]) {
      for (const authorization of [undefined, `Bearer ${HTTP_TOKEN}x`, `Basic ${HTTP_TOKEN}`, HTTP_TOKEN, [`Bearer ${HTTP_TOKEN}`, `Bearer ${HTTP_TOKEN}`]]) {
        const response = await get(collector, path, authorization);
        expect(response.status, `${path} with ${String(authorization)}`).toBe(401);
        expect(response.headers.get("www-authenticate")).toBe('Bearer realm="shadowdiff"');
        const body = (await response.json()) as { error: string };
        expect(body.error).not.toContain(HTTP_TOKEN);
      }
    }
    // Other methods are refused as before, token or not: they read nothing.
    expect((await fetch(`${collector.httpUrl}/api/summary`, { method: "POST" })).status).toBe(405);
  });

  it("serves /api/* with the token, the scheme in any case", async () => {
    const collector = await start({ http: { tokenFile: file("http", HTTP_TOKEN) } });
    for (const authorization of [`Bearer ${HTTP_TOKEN}`, `bearer ${HTTP_TOKEN}`, `BEARER ${HTTP_TOKEN}`]) {
      expect((await get(collector, "/api/summary", authorization)).status).toBe(200);
    }
    expect((await get(collector, "/api/mismatches", `Bearer ${HTTP_TOKEN}`)).status).toBe(200);
  });

  it("leaves /metrics, /healthz and /readyz open for scrapers and probes, and the page's own files", async () => {
    const collector = await start({ http: { tokenFile: file("http", HTTP_TOKEN) } });
    for (const path of ["/metrics", "/healthz", "/readyz"]) expect((await get(collector, path)).status, path).toBe(200);
    const page = await get(collector, "/");
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain("pairId");
  });

  it("guards the probe paths left out of http.openPaths", async () => {
    const collector = await start({ http: { tokenFile: file("http", HTTP_TOKEN), openPaths: ["/healthz"] } });
    expect((await get(collector, "/healthz")).status).toBe(200);
    expect((await get(collector, "/readyz")).status).toBe(401);
    expect((await get(collector, "/metrics")).status).toBe(401);
    expect((await get(collector, "/metrics", `Bearer ${HTTP_TOKEN}`)).status).toBe(200);
  });

  it("without a token, serves /api/* on loopback; on a reachable address refuses to start unless allowed, then warns", async () => {
    const open = await start({});
    expect((await get(open, "/api/summary")).status).toBe(200);
    const refused = await startTestCollector({ http: { address: "0.0.0.0:0" } }).catch((error: unknown) => error);
    expect((refused as Error).message).toContain('config key "http.address" is 0.0.0.0:0, which other machines can reach, and no http.tokenFile is set');
    const allowed = await start({ http: { address: "0.0.0.0:0", allowUnauthenticated: true } });
    expect(warnings(allowed, "http port not authenticated")).toHaveLength(1);
  });

  it("does not start on an unusable token file, naming http.tokenFile and never the content", async () => {
    const refused = await startTestCollector({ http: { tokenFile: file("short", "hunter2") } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(/config key "http.tokenFile": the file .*short holds a token of fewer than 16 characters/);
    expect((refused as Error).message).not.toContain("hunter2");
  });

  it("writes neither token in any log line", async () => {
    const collector = await start({ grpc: { tokenFile: file("intake", INTAKE_TOKEN) }, http: { tokenFile: file("http", HTTP_TOKEN) } });
    await get(collector, "/api/summary", "Bearer an-attacker-guess-0123456789");
    await get(collector, "/api/summary", `Bearer ${HTTP_TOKEN}`);
    const lines = collector.logLines.join("");
    expect(lines).toContain('"httpAuth":"token from ');
    for (const secret of [HTTP_TOKEN, INTAKE_TOKEN, "an-attacker-guess"]) expect(lines).not.toContain(secret);
  });
});

describe("the commands that read a guarded collector", () => {
  async function guarded(): Promise<{ collector: TestCollector; tokenFile: string }> {
    const tokenFile = file("http", `${HTTP_TOKEN}\n`);
    return { collector: await start({ http: { tokenFile } }), tokenFile };
  }

  async function verdict(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const code = await runVerdict(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
  }

  async function report(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const out = vi.spyOn(process.stdout, "write").mockImplementation((text) => ((stdout += String(text)), true));
    const err = vi.spyOn(process.stderr, "write").mockImplementation((text) => ((stderr += String(text)), true));
    try {
      return { code: await runReport(args), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it("shadowdiff verdict --collector sends the token from --token-file, and says why without it", async () => {
    const { collector, tokenFile } = await guarded();
    const withToken = await verdict("--collector", collector.httpUrl, "--token-file", tokenFile);
    expect(withToken.code, withToken.stderr).toBe(2);
    expect(withToken.stdout).toMatch(/^judged 0 pairs from 0 proxies \(self-reported ids; intake not authenticated: /m);
    const without = await verdict("--collector", collector.httpUrl);
    expect(without.code).toBe(EXIT_ERROR);
    expect(without.stderr).toContain("HTTP 401");
    expect(without.stderr).not.toContain(HTTP_TOKEN);
  });

  it.each([
    ["a missing token file", () => ["--token-file", join(dir, "nothing")], /--token-file: the file .*nothing cannot be read/],
    ["a token file of a short token", () => ["--token-file", file("short", "hunter2")], /--token-file: the file .*short holds a token of fewer than 16 characters/],
    ["--token-file without --collector", () => ["--token-file", file("t", HTTP_TOKEN), "--prometheus", "http://127.0.0.1:1"], /--token-file goes with --collector/],
  ])("shadowdiff verdict refuses %s, naming the flag", async (_name, args, message) => {
    const flags = args();
    const run = await verdict(...(flags.includes("--prometheus") ? flags : ["--collector", "http://127.0.0.1:1", ...flags]));
    expect(run.code).toBe(EXIT_ERROR);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain("hunter2");
  });

  it("shadowdiff report sends the token from --token-file and prints the proxy count in words", async () => {
    const { collector, tokenFile } = await guarded();
    const withToken = await report("--collector", collector.httpUrl, "--token-file", tokenFile);
    expect(withToken.code, withToken.stderr).toBe(0);
    expect(withToken.stdout).toMatch(/^0 pairs from 0 proxies \(self-reported ids; intake not authenticated: anyone who reached it could send pairs under any id\)$/m);
    const without = await report("--collector", collector.httpUrl);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("HTTP 401");
    const badFile = await report("--collector", collector.httpUrl, "--token-file", file("short", "hunter2"));
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/--token-file: the file .*short holds a token of fewer than 16 characters/);
  });
});
