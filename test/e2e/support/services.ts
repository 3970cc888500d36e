// The upstreams of the end-to-end tests. Primary and shadow answer alike by default, so a pair
// matches; the shadow's faults are chosen by path prefix, so one stack serves every fault test.
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson, type RequestHandler } from "../../../support/http-service.js";

export const SHADOW_SLOW_MS = 300;
export const BIG_BODY_BYTES = 10 * 1024 * 1024;

/** What both versions answer: a small JSON document derived from the path, and the request body's size. */
export const sameAnswer: RequestHandler = (request, response) => {
  sendJson(response, 200, {
    path: request.url,
    method: request.method,
    received_bytes: request.body.length,
    items: [1, 2, 3],
  });
};

/**
 * The shadow with faults on demand:
 * /slow/… answers like the primary, SHADOW_SLOW_MS later; /error/… answers 500;
 * /big/… answers a 10 MiB body; /hang/… never answers.
 */
export const faultyShadow: RequestHandler = async (request, response) => {
  if (request.url.startsWith("/slow/")) {
    await sleep(SHADOW_SLOW_MS);
    return sameAnswer(request, response);
  }
  if (request.url.startsWith("/error/")) return sendJson(response, 500, { error: "shadow failed on purpose" });
  if (request.url.startsWith("/big/")) {
    response.writeHead(200, { "content-type": "application/octet-stream", "content-length": BIG_BODY_BYTES });
    response.end(Buffer.alloc(BIG_BODY_BYTES, 0x61));
    return;
  }
  if (request.url.startsWith("/hang/")) return; // the connection stays open until the service closes
  return sameAnswer(request, response);
};

/**
 * Answers that wait for the test: a request whose path starts with `prefix` is answered by `inner`
 * only once the test calls release(path), so the order in which sides finish is the test's
 * choice, not the scheduler's.
 */
export class HeldAnswers {
  private readonly waiting = new Map<string, () => void>();
  private readonly released = new Set<string>();

  constructor(
    private readonly prefix: string,
    private readonly inner: RequestHandler = sameAnswer,
  ) {}

  readonly handler: RequestHandler = async (request, response) => {
    if (request.url.startsWith(this.prefix) && !this.released.has(request.url)) {
      await new Promise<void>((resolve) => this.waiting.set(request.url, resolve));
    }
    return this.inner(request, response);
  };

  release(path: string): void {
    this.released.add(path);
    this.waiting.get(path)?.();
    this.waiting.delete(path);
  }

  releaseAll(): void {
    for (const path of [...this.waiting.keys()]) this.release(path);
  }
}

/** A JSON answer naming who served it, so a pair shows which answer went where. */
export function servedBy(name: string): RequestHandler {
  return (request, response) => sendJson(response, 200, { served_by: name, path: request.url });
}
