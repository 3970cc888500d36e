import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";

// The page's files (dist/page, written by scripts/build-page.mjs) are read once, at start-up, into
// a table keyed by URL path. A request is answered from that table or not at all, so no request
// path ever reaches the file system: there is nothing to traverse.

export interface PageAsset {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};

/** Bundles carry a content hash in their names (`app-3FQ2KX7A.js`): they never change. */
const HASHED_NAME = /-[A-Z0-9]{8}\.(js|css)$/;

export type PageAssets = { ok: true; assets: Map<string, PageAsset> } | { ok: false; problem: string };

/** The page's files by URL path (`/` for index.html), or why there is no page to serve. */
export function loadPageAssets(dir: string): PageAssets {
  if (!existsSync(join(dir, "index.html"))) return { ok: false, problem: `the page is not built: ${join(dir, "index.html")} is missing (make build)` };
  const assets = new Map<string, PageAsset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    const path = join(dir, name);
    if (contentType === undefined || !statSync(path).isFile()) continue;
    const body = readFileSync(path);
    assets.set(name === "index.html" ? "/" : `/${name}`, {
      body,
      contentType,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      cacheControl: HASHED_NAME.test(name) ? "public, max-age=31536000, immutable" : "no-cache",
    });
  }
  return { ok: true, assets };
}
