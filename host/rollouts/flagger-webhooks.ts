// Flagger's webhooks, answered from the verdict: POST /api/flagger/{hook}?target=&<thresholds>.
// Flagger goes on when a webhook answers 2xx and holds (or, for rollback, does not roll back) on
// anything above 202; the reasons are in the body either way, which Flagger shows in its events.
//   confirm-traffic-increase, confirm-promotion: 200 only on a pass; 403 on fail and not yet
//   rollback: 200 only on a fail (roll back now); 403 on pass and not yet
// confirm-rollout is not answered: Flagger calls it before it scales the canary up, when no pair of
// the new version can exist yet. The thresholds are /api/verdict's query parameters, the verdict
// the same judgement.
import type { IncomingMessage } from "node:http";
import { verdictQuery, type VerdictQuery } from "../judge/verdict-query.js";
import type { Verdict } from "../judge/verdict.js";
import type { Outcome } from "../judge/line-judgement.js";

/** Each hook, and the outcome that makes it answer yes. */
export const FLAGGER_HOOKS = {
  "confirm-traffic-increase": "pass",
  "confirm-promotion": "pass",
  rollback: "fail",
} as const satisfies Record<string, Outcome>;
export type FlaggerHook = keyof typeof FLAGGER_HOOKS;

export const FLAGGER_PREFIX = "/api/flagger/";
/** Flagger's payload is a few hundred bytes (name, namespace, phase, checksum, metadata). */
export const MAX_BODY_BYTES = 64 * 1024;
/** A Kubernetes object's name or namespace (RFC 1123 subdomain). */
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const PAYLOAD_RULE =
  'the webhook body must be Flagger\'s payload: a JSON object whose "name" and "namespace" are Kubernetes names, "phase" and "checksum" strings, "metadata" a map of strings';

export interface WebhookAnswer {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

/** The hook a path names; undefined when it names none. */
export function flaggerHook(path: string): FlaggerHook | undefined {
  if (!path.startsWith(FLAGGER_PREFIX)) return undefined;
  const hook = path.slice(FLAGGER_PREFIX.length);
  return Object.hasOwn(FLAGGER_HOOKS, hook) ? (hook as FlaggerHook) : undefined;
}

/** Answers Flagger's call of `hook`; `judge` gives the verdict for the query's settings. */
export async function answerFlaggerWebhook(
  request: IncomingMessage,
  hook: FlaggerHook,
  search: URLSearchParams,
  judge: (query: VerdictQuery) => Verdict,
): Promise<WebhookAnswer> {
  if (request.method !== "POST") {
    return { status: 405, headers: { allow: "POST" }, body: { error: `method ${request.method} not allowed: Flagger's webhooks are POST` } };
  }
  const query = verdictQuery(search);
  if ("problems" in query) return { status: 400, body: { error: query.problems.join("; ") } };
  const body = await readBody(request);
  if (body === null) return { status: 413, body: { error: `the webhook body must be at most ${MAX_BODY_BYTES} bytes` } };
  const canary = flaggerCanary(body);
  if (canary === null) return { status: 400, body: { error: PAYLOAD_RULE } };

  const verdict = judge(query);
  const yes = verdict.outcome === FLAGGER_HOOKS[hook];
  const reasons = verdict.lines.flatMap((line) => line.reasons.map((reason) => `${line.route} ${line.target}: ${reason}`));
  if (verdict.note !== undefined) reasons.push(verdict.note);
  return {
    status: yes ? 200 : 403,
    body: {
      hook,
      canary: `${canary.namespace}/${canary.name}`,
      verdict: verdict.outcome,
      [hook === "rollback" ? "rollBack" : "go"]: yes,
      reasons,
      lines: verdict.lines.map(({ route, target, outcome, reasons }) => ({ route, target, outcome, reasons })),
    },
  };
}

/** The body, or null once it passes MAX_BODY_BYTES: what follows is read and let go, never kept,
 * so the connection stays usable. */
function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (Number(request.headers["content-length"]) > MAX_BODY_BYTES) {
      request.resume();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      request.off("data", onData);
      request.resume();
      resolve(null);
    };
    request.on("data", onData);
    request.once("end", () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null));
    request.once("error", reject);
  });
}

/** The canary's name and namespace from Flagger's payload; null when the body is not that payload. */
function flaggerCanary(body: Buffer): { name: string; namespace: string } | null {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (!isObject(payload)) return null;
  const { name, namespace, phase, checksum, metadata } = payload;
  if (typeof name !== "string" || typeof namespace !== "string" || !KUBERNETES_NAME.test(name) || !KUBERNETES_NAME.test(namespace)) return null;
  // The rest as Flagger's CanaryWebhookPayload types it: strings, and metadata a map of strings.
  if ((phase !== undefined && typeof phase !== "string") || (checksum !== undefined && typeof checksum !== "string")) return null;
  if (metadata !== undefined && !(isObject(metadata) && Object.values(metadata).every((value) => typeof value === "string"))) return null;
  return { name, namespace };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
