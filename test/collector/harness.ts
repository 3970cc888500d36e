import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { captureProtoPath } from "../../host/capture/capture-proto.js";
import { startCollector, type CollectorConfigInput, type RunningCollector } from "../../host/collector.js";
import { createLogger, type Logger } from "../../host/log.js";

const root = new protobuf.Root().loadSync(captureProtoPath(), { keepCase: true });
export const BatchType = root.lookupType("shadowdiff.v1.Batch");
export const ReplyType = root.lookupType("shadowdiff.v1.ReportReply");

/** A pair as the .proto spells it (snake_case), with sensible values for what is left out. */
export function wirePair(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body = (text: string) => Buffer.from(text);
  return {
    id: "pair-1",
    proxy_id: "envoy-1",
    config_version: "cafe1234",
    method: "GET",
    authority: "api.local",
    path: "/users/42",
    start_unix_nanos: 1_700_000_000_000_000_000,
    primary: { status: 200, headers: [{ name: "content-type", value: "application/json" }], body: body('{"id":42,"price":10}'), body_size: 20, latency_nanos: 2_000_000 },
    shadow: { status: 200, headers: [{ name: "content-type", value: "application/json" }], body: body('{"price":10,"id":42}'), body_size: 20, latency_nanos: 3_000_000 },
    ...overrides,
  };
}

export function encodeBatch(pairs: Record<string, unknown>[]): Buffer {
  return Buffer.from(BatchType.encode(BatchType.fromObject({ pairs })).finish());
}

export interface TestCollector extends RunningCollector {
  grpcAddress: string;
  httpUrl: string;
  logLines: string[];
  dbPath: string;
  cleanup(): Promise<void>;
}

export async function startTestCollector(config: CollectorConfigInput = {}): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-collector-"));
  const dbPath = config.examples?.path ?? join(dir, "examples.db");
  const logLines: string[] = [];
  const log: Logger = createLogger((line) => logLines.push(line), "debug");
  const collector = await startCollector(
    {
      ...config,
      grpc: { address: "127.0.0.1:0", ...config.grpc },
      http: { address: "127.0.0.1:0", ...config.http },
      examples: { ...config.examples, path: dbPath },
    },
    { log },
  );
  let closed = false;
  return {
    ...collector,
    grpcAddress: `127.0.0.1:${collector.grpcPort}`,
    httpUrl: `http://127.0.0.1:${collector.httpPort}`,
    logLines,
    dbPath,
    close: async () => {
      closed = true;
      await collector.close();
    },
    cleanup: async () => {
      if (!closed) await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawReply {
  error?: grpc.ServiceError;
  accepted?: number;
}

/** Sends bytes as-is to Report, so tests can send what a correct client never would. */
export class RawReportClient {
  private readonly client: grpc.Client;

  constructor(address: string, options: grpc.ClientOptions = {}) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1, ...options });
  }

  report(bytes: Buffer): Promise<RawReply> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        "/shadowdiff.v1.Collector/Report",
        (value: Buffer) => value,
        (value: Buffer) => value,
        bytes,
        (error, reply) => {
          if (error) resolve({ error });
          else resolve({ accepted: (ReplyType.decode(reply as Buffer) as unknown as { accepted: number }).accepted });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMillis = 10_000): Promise<T> {
  const until = Date.now() + timeoutMillis;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** The value of one sample in Prometheus text format, or undefined. */
export function sample(metricsText: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const part of (match[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[part[1] as string] = part[2] as string;
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) return Number(match[4]);
  }
  return undefined;
}
