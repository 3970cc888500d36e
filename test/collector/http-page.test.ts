// The page's files as the collector serves them: only the files the page has, with their types,
// cache rules and a policy that lets the page run nothing but its own script.
import { request } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCollector } from "../../host/collector.js";
import { createLogger } from "../../host/log.js";
import { getJson } from "../../support/test-collector.js";

const SECRET = "secret-outside-the-page";
let root: string;
let pageDir: string;
let running: { httpPort: number; close(): Promise<void> } | undefined;
let logLines: string[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "shadowdiff-page-"));
  pageDir = join(root, "page");
  mkdirSync(join(pageDir, "nested"), { recursive: true });
  writeFileSync(join(pageDir, "index.html"), '<!doctype html><script type="module" src="app-ABCDEF23.js"></script>');
  writeFileSync(join(pageDir, "app-ABCDEF23.js"), "console.log('page');");
  writeFileSync(join(pageDir, "app-ABCDEF23.css"), "body{}");
  writeFileSync(join(pageDir, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  writeFileSync(join(pageDir, "notes.env"), SECRET);
  writeFileSync(join(pageDir, "nested", "inner.js"), SECRET);
  writeFileSync(join(root, "secret.txt"), SECRET);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(dir = pageDir): Promise<string> {
  logLines = [];
  running = await startCollector(
    { grpc: { address: "127.0.0.1:0" }, http: { address: "127.0.0.1:0" }, examples: { path: ":memory:" } },
    { log: createLogger((line) => logLines.push(line), "debug"), pageDir: dir },
  );
  return `http://127.0.0.1:${running.httpPort}`;
}

/** A request with the path exactly as written: fetch() would resolve the dot segments first. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const call = request({ host: "127.0.0.1", port, path, method: "GET" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    call.on("error", reject);
    call.end();
  });
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

describe("the page's files", () => {
  it("/ is index.html, revalidated on every load, under a policy that runs only the page's own script", async () => {
    const url = await start();
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-security-policy")).toBe(CSP);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await response.text()).toContain("app-ABCDEF23.js");
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const again = await fetch(`${url}/`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it.each([
    ["/app-ABCDEF23.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"],
    ["/app-ABCDEF23.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"],
    ["/favicon.svg", "image/svg+xml", "no-cache"],
  ])("%s: %s, %s", async (path, type, cache) => {
    const url = await start();
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    expect(response.headers.get("cache-control")).toBe(cache);
    expect(response.headers.get("content-security-policy")).toBe(CSP);
  });

  it.each([
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%2E%2E%2Fsecret.txt",
    "//secret.txt",
    "/.%2e/secret.txt",
    "/nested/inner.js",
    "/nested%2finner.js",
    "/notes.env",
    "/index.html",
    "/app-ABCDEF23.js/",
    "/app-ABCDEF23.js%00",
    "/app-ABCDEF23.js/../../secret.txt",
    "/api/../secret.txt",
    "//api/summary/../../secret.txt",
  ])("%s: a JSON 404, never a file from outside the page's list", async (path) => {
    await start();
    const answer = await rawGet(running!.httpPort, path);
    expect(answer.body).not.toContain(SECRET);
    expect([400, 404]).toContain(answer.status);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("HEAD answers the headers without the body; other methods are refused with 405 and Allow", async () => {
    const url = await start();
    const head = await fetch(`${url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String('<!doctype html><script type="module" src="app-ABCDEF23.js"></script>'.length));
    expect(await head.text()).toBe("");
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const refused = await fetch(`${url}/`, { method });
      expect(refused.status, method).toBe(405);
      expect(refused.headers.get("allow")).toBe("GET, HEAD");
      expect(await refused.json()).toEqual({ error: `method ${method} not allowed` });
    }
  });

  it("JSON answers carry the same protections and are never cached", async () => {
    const url = await start();
    const response = await fetch(`${url}/api/summary`);
    expect(response.headers.get("content-security-policy")).toBe(CSP);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("without a built page, / says what is missing and the rest of the collector works", async () => {
    const empty = mkdtempSync(join(root, "empty-"));
    const url = await start(empty);
    const page = await getJson<{ error: string }>(`${url}/`);
    expect(page.status).toBe(404);
    expect(page.body.error).toBe(`the page is not built: ${join(empty, "index.html")} is missing (make build)`);
    expect((await getJson(`${url}/api/summary`)).status).toBe(200);
    expect(logLines.some((line) => line.includes('"no page to serve at /"'))).toBe(true);
  });
});
