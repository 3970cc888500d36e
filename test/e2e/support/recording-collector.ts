// A stand-in for the collector that keeps what each Report call carried, as the filter sent it
// through Envoy: the gRPC metadata and the pairs, decoded with the capture contract. For tests
// about what leaves the proxy; the real collector is what the other end-to-end tests run.
import { Metadata, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { decodeBatch, type DecodedPair } from "../../filter/capture.js";

export interface RecordedReport {
  /** Initial metadata by lower-case key. */
  readonly metadata: Record<string, string>;
  readonly pairs: DecodedPair[];
}

export interface RecordingCollector {
  readonly port: number;
  readonly reports: RecordedReport[];
  /** Every pair received so far, in arrival order. */
  pairs(): DecodedPair[];
  close(): Promise<void>;
}

const raw = (bytes: Buffer): Buffer => bytes;
const REPORT = {
  Report: {
    path: "/shadowdiff.v1.Collector/Report",
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    // ReportReply {} encodes as no bytes at all.
    responseSerialize: () => Buffer.alloc(0),
    responseDeserialize: raw,
  },
};

function plainMetadata(metadata: Metadata): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata.getMap()).map(([key, value]) => [key, String(value)]));
}

export async function startRecordingCollector(): Promise<RecordingCollector> {
  const reports: RecordedReport[] = [];
  const server = new Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  server.addService(REPORT, {
    Report: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      reports.push({ metadata: plainMetadata(call.metadata), pairs: decodeBatch(call.request) });
      callback(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    reports,
    pairs: () => reports.flatMap((report) => report.pairs),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
