import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { BearerToken } from "../auth/bearer-token.js";
import { differenceClasses } from "../mismatches/difference-classes.js";
import type { MismatchStore } from "../mismatches/mismatch-store.js";
import { mismatchListItem, mismatchView } from "../mismatches/mismatch-view.js";
import type { Logger } from "../log.js";
import type { SummaryBook } from "../summary/summary.js";
import type { CollectorEvidence } from "../judge/collector-evidence.js";
import type { NoiseSettings } from "../judge/field-class.js";
import type { RouteNoiseReport } from "../noise/noise-model.js";
import { judge } from "../judge/verdict.js";
import { verdictQuery, type VerdictQuery } from "../judge/verdict-query.js";
import { answerFlaggerWebhook, flaggerHook } from "../rollouts/flagger-webhooks.js";
import { verdictJson } from "../verdict/report.js";
import type { PageAsset, PageAssets } from "./page-assets.js";

export interface HttpParts {
  registry: Registry;
  summary: SummaryBook;
  /** What the verdict is judged from. */
  evidence: CollectorEvidence;
  noiseSettings: NoiseSettings;
  /** A route's noise evidence now: what a stored example's differences are classed by. */
  routeNoise: (route: string) => RouteNoiseReport;
  mismatches: MismatchStore;
  log: Logger;
  /** False before start-up completes and once shutdown begins. */
  ready: () => boolean;
  /** The page served at `/`, or why there is none. */
  page: PageAssets;
  /** When set, /api/* (and the probe paths not in `openPaths`) need `authorization: Bearer <token>`. */
  token?: BearerToken;
  /** Probe paths served without the token. */
  openPaths: ReadonlySet<string>;
  /** Whether the gRPC intake checks a token: said in /api/summary, beside the proxy count. */
  intake: { authenticated: boolean };
  /** traces.urlTemplate: links from a pair to its trace. */
  traceUrlTemplate?: string | undefined;
}

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
/** Target names are at most 32 bytes by contract. */
const MAX_TARGET_CHARS = 32;
/** Longer than any route label the collector makes (paths are cut at 8192 bytes). */
const MAX_ROUTE_CHARS = 10_000;

/**
 * On every answer. The page runs only its own script and styles, reads only this server, and
 * cannot be framed; no answer is ever sniffed into another type.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** The collector's HTTP endpoints: /metrics, /healthz, /readyz, the JSON /api/* and the page at `/`. */
export async function startHttpServer(host: string, port: number, parts: HttpParts): Promise<HttpServer> {
  const server = createServer((request, response) => {
    handle(request, response, parts).catch((error: unknown) => {
      parts.log.error("http request failed", { url: request.url, error });
      if (!response.headersSent) sendJson(response, 500, { error: "internal error" });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new Error(`HTTP address ${host}:${port} cannot be bound: ${error.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, parts: HttpParts): Promise<void> {
  // Joined to the origin as text: `new URL("//x", base)` would take "x" for a host name.
  const url = new URL(`http://collector${request.url?.startsWith("/") ? request.url : `/${request.url ?? ""}`}`);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
  const path = url.pathname;
  // Flagger's webhooks take POST (answerFlaggerWebhook refuses the rest), after the token check.
  const hook = flaggerHook(path);
  if (hook === undefined && request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    sendJson(response, 405, { error: `method ${request.method} not allowed` });
    return;
  }
  if (parts.token !== undefined && needsToken(path, parts.openPaths)) {
    const check = parts.token.check(request.headersDistinct.authorization ?? []);
    if (check !== "ok") {
      response.setHeader("www-authenticate", 'Bearer realm="shadowdiff"');
      return sendJson(response, 401, {
        error: check === "missing" ? "this collector's HTTP port needs its token: authorization: Bearer <token>" : "the authorization token is not this collector's",
      });
    }
  }
  if (hook !== undefined) {
    const judgeQuery = (query: VerdictQuery) => judge(parts.evidence.source(), query.thresholds, query.target, parts.noiseSettings);
    const answer = await answerFlaggerWebhook(request, hook, url.searchParams, judgeQuery);
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    return sendJson(response, answer.status, answer.body);
  }
  if (path === "/metrics") {
    const text = await parts.registry.metrics();
    response.writeHead(200, { "content-type": parts.registry.contentType });
    response.end(text);
    return;
  }
  if (path === "/healthz") return sendJson(response, 200, { status: "ok" });
  if (path === "/readyz") {
    const ready = parts.ready();
    return sendJson(response, ready ? 200 : 503, { status: ready ? "ready" : "not ready" });
  }
  if (path === "/api/summary") return sendJson(response, 200, { ...parts.summary.summarize(), intake: parts.intake });
  if (path === "/api/verdict") {
    const query = verdictQuery(url.searchParams);
    if ("problems" in query) return sendJson(response, 400, { error: query.problems.join("; ") });
    const verdict = judge({ ...parts.evidence.source(), intake: parts.intake }, query.thresholds, query.target, parts.noiseSettings);
    return sendJson(response, 200, verdictJson(verdict, { kind: "collector", url: "/api/verdict" }));
  }
  if (path === "/api/mismatches") {
    const limitText = url.searchParams.get("limit");
    const limit = limitText === null ? DEFAULT_LIMIT : decimalDigits(limitText, 4);
    if (limit === null || limit < 1 || limit > MAX_LIMIT) {
      return sendJson(response, 400, { error: `limit must be a whole number from 1 to ${MAX_LIMIT}, in decimal digits` });
    }
    const route = url.searchParams.get("route") || undefined;
    const target = url.searchParams.get("target") || undefined;
    if (target !== undefined && target.length > MAX_TARGET_CHARS) {
      return sendJson(response, 400, { error: `target must be a target name of 1 to ${MAX_TARGET_CHARS} characters, as /api/summary lists it` });
    }
    return sendJson(response, 200, { mismatches: parts.mismatches.list(limit, route, target).map(mismatchListItem) });
  }
  const byId = /^\/api\/mismatches\/([^/]+)$/.exec(path);
  if (byId) {
    const id = decimalDigits(byId[1] as string, 15);
    if (id === null || id < 1) return sendJson(response, 400, { error: "mismatch id must be a positive whole number, in decimal digits" });
    const stored = parts.mismatches.get(id);
    if (!stored) return sendJson(response, 404, { error: `no mismatch with id ${id}` });
    return sendJson(response, 200, { ...mismatchView(stored, parts.traceUrlTemplate), classes: differenceClasses(stored.detail.comparison, stored.target, parts.routeNoise(stored.route)) });
  }
  if (path === "/api/route") {
    const route = url.searchParams.get("route");
    if (route === null || route === "" || route.length > MAX_ROUTE_CHARS) {
      return sendJson(response, 400, { error: `route must be a route label of 1 to ${MAX_ROUTE_CHARS} characters, as /api/summary lists it` });
    }
    const detail = parts.summary.detail(route);
    return detail ? sendJson(response, 200, detail) : sendJson(response, 404, { error: "no pairs on that route" });
  }
  if (!path.startsWith("/api/")) {
    if (!parts.page.ok) return path === "/" ? sendJson(response, 404, { error: parts.page.problem }) : sendJson(response, 404, { error: `no endpoint ${path}` });
    const asset = parts.page.assets.get(path);
    if (asset) return sendAsset(request, response, asset);
  }
  sendJson(response, 404, { error: `no endpoint ${path}` });
}

/**
 * The token guards the data: /api/* and the probe paths not left open. The page's own files are
 * the same in every install and hold none; the page asks for the token when /api/* wants it.
 */
function needsToken(path: string, openPaths: ReadonlySet<string>): boolean {
  if (path.startsWith("/api/")) return true;
  return (path === "/metrics" || path === "/healthz" || path === "/readyz") && !openPaths.has(path);
}

function sendAsset(request: IncomingMessage, response: ServerResponse, asset: PageAsset): void {
  const headers = { "content-type": asset.contentType, etag: asset.etag, "cache-control": asset.cacheControl };
  if (request.headers["if-none-match"] === asset.etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, "content-length": asset.body.length });
  response.end(asset.body);
}

/**
 * The number spelt by `text` when it is 1 to `maxDigits` decimal digits and nothing else; null
 * otherwise. Number() would also take "1e3", "0x10", " 1" and "1.0".
 */
function decimalDigits(text: string, maxDigits: number): number | null {
  return text.length <= maxDigits && /^[0-9]+$/.test(text) ? Number(text) : null;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
