import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { BatchReader } from "../capture/batch-reader.js";
import { loadCaptureProto } from "../capture/capture-proto.js";
import { COLLECTOR_SERVICE_NAME, collectorServiceDefinition, createReportHandler, type ReportServiceParts } from "./report-service.js";

export interface IntakeServer {
  port: number;
  /** Marks the service NOT_SERVING, waits for calls in progress, then stops listening. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MILLIS = 5000;

/** Room above grpc.maxMessageBytes for batches that reach the Report handler to be refused and counted. */
const OVERSIZE_ROOM_BYTES = 16 * 1024 * 1024;

/**
 * The largest message grpc-js takes in: generous, so that an oversized batch reaches the Report
 * handler, which refuses it naming grpc.maxMessageBytes and counts it (outcome invalid). Every
 * batch the filter can send fits: its batch_max_bytes is at most 4 MiB and a batch overshoots
 * that by at most one pair (two bodies of at most 1 MiB each, plus headers). grpc-js reads a
 * message's length before its bytes and refuses one over this limit without buffering it, so a
 * call holds at most this much in memory; such a refusal is not counted.
 */
export function grpcReceiveLimit(maxMessageBytes: number): number {
  return Math.max(2 * maxMessageBytes, maxMessageBytes + OVERSIZE_ROOM_BYTES);
}

/** The gRPC intake: shadowdiff.v1.Collector plus the standard grpc.health.v1 service. */
export async function startIntakeServer(address: string, parts: Omit<ReportServiceParts, "reader">): Promise<IntakeServer> {
  const contract = loadCaptureProto();
  const server = new grpc.Server({
    "grpc.max_receive_message_length": grpcReceiveLimit(parts.maxMessageBytes),
    "grpc.max_send_message_length": 1024 * 1024,
    // Channelz (per-call tracing for grpcdebug) costs time on every call and nothing here reads it.
    "grpc.enable_channelz": 0,
  });
  server.addService(collectorServiceDefinition(contract), { Report: createReportHandler({ ...parts, reader: new BatchReader(contract) }) });
  const health = new HealthImplementation({ "": "SERVING", [COLLECTOR_SERVICE_NAME]: "SERVING" });
  health.addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(new Error(`gRPC address ${address} cannot be bound: ${error.message}`));
      else resolve(boundPort);
    });
  });

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus("", "NOT_SERVING");
        health.setStatus(COLLECTOR_SERVICE_NAME, "NOT_SERVING");
        const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MILLIS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
