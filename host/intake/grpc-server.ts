import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { COLLECTOR_SERVICE_NAME, collectorServiceDefinition, createReportHandler, type ReportServiceParts } from "./report-service.js";

export interface IntakeServer {
  port: number;
  /** Marks the service NOT_SERVING, waits for calls in progress, then stops listening. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MILLIS = 5000;

/**
 * The gRPC intake: shadowdiff.v1.Collector plus the standard grpc.health.v1 service. grpc-js
 * refuses messages over twice the configured maximum before buffering them; between the maximum
 * and that, the Report handler refuses and counts them.
 */
export async function startIntakeServer(address: string, parts: ReportServiceParts): Promise<IntakeServer> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": parts.maxMessageBytes * 2,
    "grpc.max_send_message_length": 1024 * 1024,
  });
  server.addService(collectorServiceDefinition(), { Report: createReportHandler(parts) });
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
