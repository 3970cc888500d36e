// Flagger's webhooks on the collector's HTTP port: each answers yes (200) only when the verdict
// allows it, with the reasons in the body, and refuses what is not Flagger's call by its rule.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { TARGET, collectorWithVerdict, reachVerdict } from "./support/verdict-states.js";

const PAYLOAD = JSON.stringify({ name: "api", namespace: "shop", phase: "Progressing", checksum: "6d8c9b5f", metadata: { team: "orders" } });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** One call as Flagger makes it (POST, JSON), or with whatever a test changes. */
async function call(collector: TestCollector, path: string, body: string | Buffer = PAYLOAD, method = "POST", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${collector.httpUrl}${path}`, { method, headers: { "content-type": "application/json", ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    request.on("error", reject);
    request.end(method === "GET" ? undefined : body);
  });
}

const confirm = `/api/flagger/confirm-promotion?target=${TARGET}`;
const increase = `/api/flagger/confirm-traffic-increase?target=${TARGET}`;
const rollback = `/api/flagger/rollback?target=${TARGET}`;

describe("Flagger's webhooks, by verdict", () => {
  const collectors: Partial<Record<"pass" | "fail" | "not-yet", TestCollector>> = {};
  beforeAll(async () => {
    for (const outcome of ["pass", "fail", "not-yet"] as const) collectors[outcome] = await collectorWithVerdict(outcome);
  }, 60_000);
  afterAll(async () => {
    for (const collector of Object.values(collectors)) await collector?.cleanup();
  });

  it("pass: confirm-traffic-increase and confirm-promotion say go (200), rollback says no (403)", async () => {
    const collector = collectors.pass!;
    for (const path of [confirm, increase]) {
      const answer = await call(collector, path);
      expect(answer.status, path).toBe(200);
      expect(answer.body, path).toMatchObject({ canary: "shop/api", verdict: "pass", go: true, reasons: [] });
      expect(answer.body.lines, path).toEqual([{ route: "/products/{id}", target: TARGET, outcome: "pass", reasons: [] }]);
    }
    expect(await call(collector, rollback)).toMatchObject({ status: 403, body: { hook: "rollback", verdict: "pass", rollBack: false } });
  });

  it("fail: the confirmations hold (403) with the reasons, rollback says roll back (200)", async () => {
    const collector = collectors.fail!;
    for (const path of [confirm, increase]) {
      const answer = await call(collector, path);
      expect(answer.status, path).toBe(403);
      expect(answer.body, path).toMatchObject({ verdict: "fail", go: false, reasons: [`/products/{id} ${TARGET}: match ratio below 99.0%`] });
    }
    expect(await call(collector, rollback)).toMatchObject({ status: 200, body: { hook: "rollback", canary: "shop/api", verdict: "fail", rollBack: true } });
  });

  it("not yet: the confirmations hold and rollback waits, saying what the verdict still needs", async () => {
    const collector = collectors["not-yet"]!;
    const held = await call(collector, confirm);
    expect(held).toMatchObject({ status: 403, body: { verdict: "not-yet", go: false } });
    expect((held.body.reasons as string[]).join("\n")).toMatch(/pairs/);
    expect(await call(collector, rollback)).toMatchObject({ status: 403, body: { verdict: "not-yet", rollBack: false } });
  });

  it("takes /api/verdict's thresholds: a looser match ratio lets the failing canary go", async () => {
    const answer = await call(collectors.fail!, `${confirm}&min-match-ratio=0`);
    expect(answer.body.verdict).not.toBe("fail");
  });

  it("with a target nothing was compared with: no go, and the note says which targets were seen", async () => {
    const answer = await call(collectors.pass!, "/api/flagger/confirm-promotion?target=v9");
    expect(answer).toMatchObject({ status: 403, body: { verdict: "not-yet", go: false } });
    expect(answer.body.reasons).toContain(`no comparisons with target "v9" (targets seen: ${TARGET})`);
  });

  describe("refuses what is not Flagger's call, naming the rule", () => {
    it.each([
      ["a target that breaks out of a label", `/api/flagger/confirm-promotion?target=${encodeURIComponent('v2",route="x')}`, /^target must be a target name: 1 to 32 characters of \[a-z0-9_-\], got "v2\\",route=\\"x"$/],
      ["a target of 33 characters", `/api/flagger/rollback?target=${"v".repeat(33)}`, /^target must be a target name/],
      ["a threshold twice", `${confirm}&min-match-ratio=0.9&min-match-ratio=0.1`, /^"min-match-ratio" is given more than once$/],
      ["a threshold out of range", `${confirm}&min-match-ratio=2`, /^min-match-ratio must be a number from 0 to 1$/],
      ["a threshold in hex", `${confirm}&min-pairs=0x10`, /^min-pairs must be a decimal number, not "0x10"$/],
      ["an unknown parameter", `${confirm}&min-match-ratoi=0.9`, /^"min-match-ratoi" is not a parameter/],
    ])("%s: 400", async (_name, path, error) => {
      const answer = await call(collectors.pass!, path);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(error);
    });

    const PAYLOAD_RULE =
      'the webhook body must be Flagger\'s payload: a JSON object whose "name" and "namespace" are Kubernetes names, "phase" and "checksum" strings, "metadata" a map of strings';
    it.each([
      ["a body that is not JSON", "name=api&namespace=shop"],
      ["an empty body", ""],
      ["a JSON array", "[]"],
      ["JSON null", "null"],
      ["no namespace", JSON.stringify({ name: "api" })],
      ["a name that is a number", JSON.stringify({ name: 7, namespace: "shop" })],
      ["a name with a line break", JSON.stringify({ name: "api\nx-injected: 1", namespace: "shop" })],
      ["a name in capitals", JSON.stringify({ name: "API", namespace: "shop" })],
      ["a name of 254 characters", JSON.stringify({ name: "a".repeat(254), namespace: "shop" })],
      ["JSON nested 20,000 deep", `{"name":"api","namespace":"shop","metadata":{"a":${"[".repeat(20_000)}${"]".repeat(20_000)}}}`],
      ["metadata that is not a map of strings", JSON.stringify({ name: "api", namespace: "shop", metadata: { retries: 3 } })],
      ["a phase that is not a string", JSON.stringify({ name: "api", namespace: "shop", phase: ["Progressing"] })],
    ])("%s: 400", async (_name, body) => {
      const answer = await call(collectors.pass!, confirm, body);
      expect(answer).toMatchObject({ status: 400, body: { error: PAYLOAD_RULE } });
    });

    it("a body over 64 KiB, announced or chunked: 413, and the port keeps answering", async () => {
      const huge = Buffer.alloc(1024 * 1024, 0x20);
      const announced = await call(collectors.pass!, confirm, huge);
      expect(announced).toMatchObject({ status: 413, body: { error: "the webhook body must be at most 65536 bytes" } });
      const chunked = await call(collectors.pass!, confirm, huge, "POST", { "transfer-encoding": "chunked" });
      expect(chunked.status).toBe(413);
      const just = await call(collectors.pass!, confirm, JSON.stringify({ name: "api", namespace: "shop", pad: " ".repeat(65_536 - 45) }));
      expect(just.status).toBe(200);
      expect((await call(collectors.pass!, confirm)).status).toBe(200);
    });

    it("GET: 405, allowing POST", async () => {
      const answer = await call(collectors.pass!, confirm, "", "GET");
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe("POST");
    });

    it("a hook it does not answer (confirm-rollout comes before any pair of the new version): no webhook there", async () => {
      const answer = await call(collectors.pass!, "/api/flagger/confirm-rollout");
      expect(answer.status).toBe(405);
      expect((await call(collectors.pass!, "/api/flagger/confirm-rollout", "", "GET")).status).toBe(404);
    });
  });
});

describe("Flagger's webhooks behind the HTTP token", () => {
  const TOKEN = "webhook-Tok3n.0123456789abcdef";
  let dir: string;
  let collector: TestCollector | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "shadowdiff-webhook-token-"));
    writeFileSync(join(dir, "token"), TOKEN);
    collector = await startTestCollector({ routes: { templates: ["/products/{id}"] }, http: { tokenFile: join(dir, "token") } });
    await reachVerdict(collector, "fail", 0, TOKEN);
  }, 60_000);
  afterAll(async () => {
    await collector?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 401 without it, and judges with it, like every /api/* path", async () => {
    expect(await call(collector!, rollback)).toMatchObject({ status: 401, body: { error: "this collector's HTTP port needs its token: authorization: Bearer <token>" } });
    expect(await call(collector!, rollback, PAYLOAD, "POST", { authorization: "Bearer not-the-token-at-all" })).toMatchObject({ status: 401 });
    expect(await call(collector!, rollback, PAYLOAD, "POST", { authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 200, body: { rollBack: true } });
  });
});
