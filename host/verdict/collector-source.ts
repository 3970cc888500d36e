// The verdict from a collector: GET /api/verdict with the settings as query parameters. The
// collector judges from its own state (paired latencies, the noise recount) — the same code the
// page and `shadowdiff verdict --collector` read. One collector replica knows only its own pairs.
import { z } from "zod";
import type { Thresholds } from "../judge/line-judgement.js";
import type { Verdict } from "../judge/verdict.js";
import { verdictSearch } from "../judge/verdict-query.js";
import { SourceError, fetchJson } from "./http.js";

const outcome = z.enum(["pass", "fail", "not-yet"]);
const interval = z.object({ estimate: z.number(), lower: z.number(), upper: z.number() });

/** The verdict JSON as /api/verdict answers it (host/verdict/report.ts verdictJson). */
export const verdictJsonSchema = z.object({
  verdict: outcome,
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  thresholds: z.object({ minMatchRatio: z.number(), maxLatencyRatio: z.number(), minPairs: z.number(), confidence: z.number() }),
  lines: z.array(
    z.object({
      route: z.string(),
      target: z.string(),
      outcome,
      reasons: z.array(z.string()),
      pairs: z.number(),
      proxies: z.number().nullable(),
      match: z.object({
        matched: z.number(),
        mismatched: z.number(),
        pending: z.number(),
        inconclusive: z.number(),
        ratio: z.number().nullable(),
        lower: z.number(),
        upper: z.number(),
        outcome,
      }),
      latency: interval.extend({ baseline: z.enum(["primary", "secondary"]), pairs: z.number(), outcome }).nullable(),
      path: interval.nullable(),
      noise: z.object({
        on: z.boolean(),
        share: z.number().nullable(),
        secondaryPairs: z.number(),
        pendingFields: z.array(z.object({ field: z.string(), kind: z.string(), morePairsWithSecondary: z.number().nullable() })),
      }),
      morePairs: z.number().nullable(),
    }),
  ),
  total: z.object({ pairs: z.number(), proxies: z.number().nullable(), intake: z.object({ authenticated: z.boolean() }).nullable() }),
  note: z.string().optional(),
});

/** `token`: the collector's HTTP token (its http.tokenFile), when it asks for one. */
export async function verdictFromCollector(collectorUrl: string, thresholds: Thresholds, target: string | undefined, timeoutMs: number, token?: string): Promise<Verdict> {
  const url = new URL("api/verdict", collectorUrl.endsWith("/") ? collectorUrl : `${collectorUrl}/`);
  url.search = verdictSearch(thresholds, target).toString();
  const parsed = verdictJsonSchema.safeParse(await fetchJson(url, timeoutMs, token));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceError(`the collector's verdict is not as expected at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`, url.toString());
  }
  const { verdict, exitCode, lines, total, note } = parsed.data;
  return { outcome: verdict, exitCode, thresholds: parsed.data.thresholds, lines, total, ...(note === undefined ? {} : { note }) };
}
