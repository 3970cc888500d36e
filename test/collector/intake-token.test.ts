import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../host/config/validate.js";
import { readTokenFile } from "../../host/intake/intake-token.js";
import { eventually } from "../../support/eventually.js";
import { sample } from "../../support/prometheus-text.js";
import { encodeBatch, ReportClient } from "../../support/report-client.js";
import { startTestCollector, type TestCollector } from "../../support/test-collector.js";
import { wirePair } from "../../support/wire-pairs.js";

const TOKEN = "s3cr3t-Tok3n.for_the~filter+only/=";

let dir: string;
let collector: TestCollector | undefined;
const clients: ReportClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "shadowdiff-token-"));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await collector?.cleanup();
  collector = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function tokenFile(content: string | Buffer, name = "token"): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function refusal(path: string): string {
  try {
    readTokenFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${path} was taken`);
}

describe("the intake token file", () => {
  const hostile: { name: string; content: string | Buffer; rule: RegExp }[] = [
    { name: "an empty file", content: "", rule: /is empty/ },
    { name: "a line end alone", content: "\n", rule: /is empty/ },
    { name: "a huge file", content: "A".repeat(1024 * 1024), rule: /is over 4096 bytes/ },
    { name: "a token with a space", content: "correct horse battery staple", rule: /no spaces or control characters/ },
    { name: "two lines", content: `${TOKEN}\n${TOKEN}\n`, rule: /one token on one line/ },
    { name: "two line ends", content: `${TOKEN}\n\n`, rule: /one token on one line/ },
    { name: "a NUL byte", content: `${TOKEN}\u0000x`, rule: /no spaces or control characters/ },
    { name: "a tab", content: `\t${TOKEN}`, rule: /no spaces or control characters/ },
    { name: "non-ASCII letters", content: `${TOKEN}é`, rule: /one token on one line/ },
    { name: "a short token", content: "hunter2\n", rule: /fewer than 16 characters/ },
  ];

  it.each(hostile)("refuses $name, naming the key and the file and never the content", ({ content }) => {
    const path = tokenFile(content);
    const message = refusal(path);
    expect(message).toContain('config key "grpc.tokenFile"');
    expect(message).toContain(path);
    const text = String(content).trim();
    if (text.length >= 4) expect(message).not.toContain(text.slice(0, 8));
  });

  it.each(hostile)("says what is wrong with $name", ({ content, rule }) => {
    expect(refusal(tokenFile(content))).toMatch(rule);
  });

  it("refuses a missing file and a folder by name", () => {
    const missing = join(dir, "nope");
    expect(refusal(missing)).toMatch(new RegExp(`the file ${missing} cannot be read: ENOENT`));
    mkdirSync(join(dir, "folder"));
    expect(refusal(join(dir, "folder"))).toMatch(/is not a regular file/);
  });

  it("takes one token with or without a line end", () => {
    expect(readTokenFile(tokenFile(TOKEN))).toBe(TOKEN);
    expect(readTokenFile(tokenFile(`${TOKEN}\n`))).toBe(TOKEN);
    expect(readTokenFile(tokenFile(`${TOKEN}\r\n`))).toBe(TOKEN);
  });
});

describe("a collector with an intake token", () => {
  async function start(): Promise<TestCollector> {
    collector = await startTestCollector({ grpc: { tokenFile: tokenFile(`${TOKEN}\n`) } });
    return collector;
  }

  function client(c: TestCollector, token?: string): ReportClient {
    const made = new ReportClient(c.grpcAddress, token === undefined ? {} : { token });
    clients.push(made);
    return made;
  }

  const metrics = async (c: TestCollector) => (await fetch(`${c.httpUrl}/metrics`)).text();

  it("refuses calls without the token with UNAUTHENTICATED, counts them, and takes the filter's", async () => {
    const c = await start();
    const batch = encodeBatch([wirePair()]);
    const refusedWith = async (metadata: grpc.Metadata | undefined, token?: string) => {
      const reply = await client(c, token).report(batch, metadata);
      expect(reply.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      return reply.error?.details;
    };
    expect(await refusedWith(undefined)).toMatch(/no authorization metadata/);
    expect(await refusedWith(undefined, `${TOKEN}x`)).toBe("the authorization token is not this collector's");
    expect(await refusedWith(undefined, TOKEN.slice(0, -1))).toBe("the authorization token is not this collector's");
    const bare = new grpc.Metadata();
    bare.set("authorization", TOKEN);
    expect(await refusedWith(bare)).toBe("the authorization token is not this collector's");
    // grpc-js sends one authorization value at most; two joined, as a proxy might join them, are not the token.
    const joined = new grpc.Metadata();
    joined.set("authorization", `Bearer nope-nope-nope-nope, Bearer ${TOKEN}`);
    expect(await refusedWith(joined)).toBe("the authorization token is not this collector's");

    expect(await client(c, TOKEN).report(batch)).toEqual({ accepted: 1, dropped: 0 });
    const text = await eventually(async () => {
      const t = await metrics(c);
      expect(sample(t, "shadow_comparison_total", { route: "/users/{id}", target: "shadow", match: "true" })).toBe(1);
      return t;
    });
    expect(sample(text, "shadowdiff_reports_total", { outcome: "unauthenticated" })).toBe(5);
    expect(sample(text, "shadowdiff_reports_total", { outcome: "ok" })).toBe(1);
    // Refused calls are not read: their pairs are neither received nor compared.
    expect(sample(text, "shadowdiff_pairs_received_total")).toBe(1);
  });

  it("takes the Bearer scheme in any case and after several spaces, and nothing but that scheme", async () => {
    const c = await start();
    const batch = encodeBatch([wirePair()]);
    const reply = (value: string) => {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", value);
      return client(c).report(batch, metadata);
    };
    for (const value of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `bEaReR ${TOKEN}`, `Bearer   ${TOKEN}`]) {
      expect(await reply(value), value).toEqual({ accepted: 1, dropped: 0 });
    }
    for (const value of [`Basic ${TOKEN}`, `Bearer${TOKEN}`, `Bearer ${TOKEN} `, `Bearer ${TOKEN.toLowerCase()}`, `Token ${TOKEN}`, "Bearer "]) {
      expect((await reply(value)).error?.code, value).toBe(grpc.status.UNAUTHENTICATED);
    }
  });

  it("writes the token, or any token tried, in no log line", async () => {
    const c = await start();
    await client(c, "an-attacker-guess-0123456789").report(encodeBatch([wirePair()]));
    await client(c, TOKEN).report(encodeBatch([wirePair()]));
    const lines = c.logLines.join("");
    expect(lines).toContain('"msg":"report refused"');
    expect(lines).toContain('"reason":"unauthenticated"');
    expect(lines).toContain('"intakeAuth":"token from ');
    expect(lines).not.toContain(TOKEN);
    expect(lines).not.toContain(TOKEN.slice(0, 8));
    expect(lines).not.toContain("an-attacker-guess");
  });

  it("does not start when the token file cannot be used, naming the file", async () => {
    const missing = join(dir, "missing-token");
    await expect(startTestCollector({ grpc: { tokenFile: missing } })).rejects.toThrow(`config key "grpc.tokenFile": the file ${missing} cannot be read`);
    await expect(startTestCollector({ grpc: { tokenFile: tokenFile("", "empty") } })).rejects.toThrow(/is empty/);
  });
});
