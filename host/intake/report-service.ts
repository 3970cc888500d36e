import * as grpc from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { InvalidBatchError, type BatchReader } from "../capture/batch-reader.js";
import type { Logger } from "../log.js";
import type { CollectorMetrics } from "../metrics/collector-metrics.js";
import type { IntakeToken } from "./intake-token.js";
import type { PairQueue } from "./pair-queue.js";

export const COLLECTOR_SERVICE_NAME = "shadowdiff.v1.Collector";

export interface ReportServiceParts {
  reader: BatchReader;
  queue: PairQueue;
  metrics: CollectorMetrics;
  log: Logger;
  maxMessageBytes: number;
  /** When set, every call must carry `authorization: Bearer <token>`. */
  token?: IntakeToken;
  /** True once shutdown has begun: new batches are refused with UNAVAILABLE. */
  closing: () => boolean;
}

export interface ReportReply {
  accepted: number;
  dropped: number;
}

/**
 * The `shadowdiff.v1.Collector` service from the capture contract, for servers and clients alike,
 * except that Report's request stays raw bytes on both ends: the collector decodes it in the
 * handler, so a bad batch is answered with a status that names the problem (grpc-js would answer
 * a throwing deserializer with a bare INTERNAL), and a client sends whatever bytes it means to.
 */
export function collectorServiceDefinition(contract: protobuf.Root): grpc.ServiceDefinition {
  const report = contract.lookupService(COLLECTOR_SERVICE_NAME).methods.Report;
  if (report === undefined) throw new Error(`${COLLECTOR_SERVICE_NAME} has no Report method`);
  report.resolve();
  const reply = report.resolvedResponseType as protobuf.Type;
  const raw = (bytes: Buffer): Buffer => bytes;
  return {
    Report: {
      path: `/${COLLECTOR_SERVICE_NAME}/Report`,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: (value: ReportReply) => Buffer.from(reply.encode(reply.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer): ReportReply => {
        const decoded = reply.decode(bytes) as unknown as ReportReply;
        return { accepted: Number(decoded.accepted), dropped: Number(decoded.dropped) };
      },
    },
  };
}

/**
 * Report(batch): check the caller's token, then take every valid pair of the batch and drop (and
 * count, by reason) the others. A batch whose pairs are all invalid, or that cannot be read at
 * all, is answered INVALID_ARGUMENT with a message naming the problem; the valid pairs of a batch
 * go into the queue together or, when they do not fit, are refused together (RESOURCE_EXHAUSTED).
 */
export function createReportHandler(parts: ReportServiceParts): grpc.handleUnaryCall<Buffer, ReportReply> {
  const { log } = parts;
  const throttled = throttle(log, 5000);
  return (call, callback) => {
    try {
      handleReport(parts, call, callback, throttled);
    } catch (error) {
      // Whatever went wrong, the caller gets a status and the collector a log line, never UNKNOWN.
      parts.metrics.reports.labels("invalid").inc();
      log.error("report failed", { error, peer: call.getPeer() });
      callback({ code: grpc.status.INTERNAL, details: "the collector failed on this batch" });
    }
  };
}

type Warn = (msg: string, fields: Record<string, unknown>) => void;

function handleReport(parts: ReportServiceParts, call: grpc.ServerUnaryCall<Buffer, ReportReply>, callback: grpc.sendUnaryData<ReportReply>, warn: Warn): void {
  const { reader, queue, metrics, maxMessageBytes, token } = parts;
  const peer = call.getPeer();
  if (token !== undefined) {
    const check = token.check(call.metadata);
    if (check !== "ok") {
      metrics.reports.labels("unauthenticated").inc();
      const details = check === "missing" ? "no authorization metadata: this collector takes reports with its token only" : "the authorization token is not this collector's";
      warn("report refused", { reason: "unauthenticated", details, peer });
      callback({ code: grpc.status.UNAUTHENTICATED, details });
      return;
    }
  }
  const bytes = call.request;
  if (bytes.length > maxMessageBytes) {
    metrics.reports.labels("invalid").inc();
    const details = `batch of ${bytes.length} bytes is over grpc.maxMessageBytes (${maxMessageBytes})`;
    warn("report refused", { reason: "too_large", details, peer });
    callback({ code: grpc.status.RESOURCE_EXHAUSTED, details });
    return;
  }
  let contents;
  try {
    contents = reader.read(bytes);
  } catch (error) {
    if (!(error instanceof InvalidBatchError)) throw error;
    metrics.reports.labels("invalid").inc();
    warn("report refused", { reason: "invalid", details: error.message, peer });
    callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message });
    return;
  }
  const { pairs, dropped } = contents;
  metrics.pairsReceived.inc(pairs.length + dropped.length);
  for (const pair of dropped) metrics.pairsDropped.labels(pair.reason).inc();
  const firstDropped = dropped[0];
  if (firstDropped !== undefined) {
    const more = dropped.length > 1 ? `; ${dropped.length - 1} more pairs dropped` : "";
    const details = `${firstDropped.message}${more}`;
    if (pairs.length === 0) {
      metrics.reports.labels("invalid").inc();
      warn("report refused", { reason: "invalid", details, peer });
      callback({ code: grpc.status.INVALID_ARGUMENT, details });
      return;
    }
    warn("pairs dropped", { reason: firstDropped.reason, details, peer });
  }
  if (parts.closing()) {
    metrics.reports.labels("exhausted").inc();
    metrics.pairsDropped.labels("queue_full").inc(pairs.length);
    callback({ code: grpc.status.UNAVAILABLE, details: "collector is shutting down" });
    return;
  }
  if (!queue.offer(pairs, bytes.length)) {
    metrics.reports.labels("exhausted").inc();
    metrics.pairsDropped.labels("queue_full").inc(pairs.length);
    const details = `queue full: ${queue.depth} pairs waiting, batch of ${pairs.length} refused; retry later`;
    warn("report refused", { reason: "queue_full", details, peer });
    callback({ code: grpc.status.RESOURCE_EXHAUSTED, details });
    return;
  }
  metrics.reports.labels("ok").inc();
  callback(null, { accepted: pairs.length, dropped: dropped.length });
}

/** Logs a warning at most once per `millis` for each message, with how many were held back. */
function throttle(log: Logger, millis: number): (msg: string, fields: Record<string, unknown>) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (msg, fields) => {
    const key = `${msg}:${String(fields.reason)}`;
    const now = Date.now();
    const entry = last.get(key);
    if (entry && now - entry.at < millis) {
      entry.suppressed++;
      return;
    }
    log.warn(msg, entry?.suppressed ? { ...fields, suppressedSinceLast: entry.suppressed } : fields);
    last.set(key, { at: now, suppressed: 0 });
  };
}
