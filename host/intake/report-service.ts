import * as grpc from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { InvalidBatchError, type BatchReader } from "../capture/batch-reader.js";
import type { Logger } from "../log.js";
import type { CollectorMetrics } from "../metrics/collector-metrics.js";
import type { PairQueue } from "./pair-queue.js";

export const COLLECTOR_SERVICE_NAME = "shadowdiff.v1.Collector";

export interface ReportServiceParts {
  reader: BatchReader;
  queue: PairQueue;
  metrics: CollectorMetrics;
  log: Logger;
  maxMessageBytes: number;
  /** True once shutdown has begun: new batches are refused with UNAVAILABLE. */
  closing: () => boolean;
}

export interface ReportReply {
  accepted: number;
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
      responseDeserialize: (bytes: Buffer): ReportReply => ({ accepted: Number((reply.decode(bytes) as unknown as ReportReply).accepted) }),
    },
  };
}

/** Report(batch): validate, enqueue whole or refuse whole, answer with the count accepted. */
export function createReportHandler(parts: ReportServiceParts): grpc.handleUnaryCall<Buffer, ReportReply> {
  const { reader, queue, metrics, log, maxMessageBytes } = parts;
  const throttled = throttle(log, 5000);
  return (call, callback) => {
    const bytes = call.request;
    const peer = call.getPeer();
    if (bytes.length > maxMessageBytes) {
      metrics.reports.labels("invalid").inc();
      const details = `batch of ${bytes.length} bytes is over grpc.maxMessageBytes (${maxMessageBytes})`;
      throttled("report refused", { reason: "too_large", details, peer });
      callback({ code: grpc.status.RESOURCE_EXHAUSTED, details });
      return;
    }
    let pairs;
    try {
      pairs = reader.read(bytes);
    } catch (error) {
      if (!(error instanceof InvalidBatchError)) throw error;
      metrics.reports.labels("invalid").inc();
      metrics.pairsReceived.inc(error.pairCount);
      metrics.pairsDropped.labels("invalid").inc(error.pairCount);
      throttled("report refused", { reason: "invalid", details: error.message, peer });
      callback({ code: grpc.status.INVALID_ARGUMENT, details: error.message });
      return;
    }
    metrics.pairsReceived.inc(pairs.length);
    if (parts.closing()) {
      metrics.reports.labels("exhausted").inc();
      metrics.pairsDropped.labels("queue_full").inc(pairs.length);
      callback({ code: grpc.status.UNAVAILABLE, details: "collector is shutting down" });
      return;
    }
    if (!queue.offer(pairs)) {
      metrics.reports.labels("exhausted").inc();
      metrics.pairsDropped.labels("queue_full").inc(pairs.length);
      const details = `queue full: ${queue.depth} pairs waiting, batch of ${pairs.length} refused; retry later`;
      throttled("report refused", { reason: "queue_full", details, peer });
      callback({ code: grpc.status.RESOURCE_EXHAUSTED, details });
      return;
    }
    metrics.reports.labels("ok").inc();
    callback(null, { accepted: pairs.length });
  };
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
