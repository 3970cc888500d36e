// A stand-in for the collector in the Envoy benchmark: it takes the filter's Report calls and
// counts the pairs without comparing them, so the benchmark's two cores measure Envoy and not
// the comparison engine.
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { loadCaptureProto } from "../../host/capture/capture-proto.js";
import { collectorServiceDefinition, type ReportReply } from "../../host/intake/report-service.js";

export interface ReportSink {
  readonly port: number;
  readonly pairsReceived: () => number;
  readonly reportsReceived: () => number;
  close(): Promise<void>;
}

export async function startReportSink(): Promise<ReportSink> {
  let pairs = 0;
  let reports = 0;
  const server = new Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  server.addService(collectorServiceDefinition(loadCaptureProto()), {
    Report: (call: ServerUnaryCall<Buffer, ReportReply>, callback: sendUnaryData<ReportReply>) => {
      reports++;
      const accepted = countPairs(call.request);
      pairs += accepted;
      callback(null, { accepted, dropped: 0 });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    pairsReceived: () => pairs,
    reportsReceived: () => reports,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The number of `pairs` (field 1) in an encoded Batch, read from the top-level tags alone. */
export function countPairs(batch: Buffer): number {
  let count = 0;
  let offset = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = batch[offset++];
      if (byte === undefined) throw new Error("shadowdiff bench: truncated varint in a Batch");
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (offset < batch.length) {
    const tag = varint();
    if ((tag & 7) !== 2) throw new Error(`shadowdiff bench: unexpected wire type ${tag & 7} in a Batch`);
    const length = varint();
    offset += length;
    if (tag >>> 3 === 1) count++;
  }
  return count;
}
