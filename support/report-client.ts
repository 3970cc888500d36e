// Reports pairs to a collector the way the filter does: unary shadowdiff.v1.Collector/Report over
// gRPC, with batches encoded from the capture contract's .proto.
import * as grpc from "@grpc/grpc-js";
import { loadCaptureProto } from "../host/capture/capture-proto.js";
import { collectorServiceDefinition, type ReportReply } from "../host/intake/report-service.js";

const contract = loadCaptureProto();
const BatchType = contract.lookupType("shadowdiff.v1.Batch");
const ReportClientBase = grpc.makeGenericClientConstructor(collectorServiceDefinition(contract), "Collector");

export interface WireHeader {
  name: string;
  value: string;
}

/** A response as the .proto spells it (snake_case). */
export interface WireResponse {
  status: number;
  headers: WireHeader[];
  body: Buffer;
  body_size: number;
  truncated?: boolean;
  latency_nanos: number;
  /** A mirrored side that gave no response: its ShadowFailure number. */
  failure?: number;
  /** A mirrored side's target name. */
  name?: string;
  /** A gRPC call's side: grpc-status, grpc-message, the configured trailers. */
  trailers?: WireHeader[];
}

/** A pair as the .proto spells it; fields left out take the proto3 defaults. */
/** capture.proto's Body: a request's body, up to the filter's max_body_bytes. */
export interface WireBody {
  data?: Buffer;
  size?: number;
  truncated?: boolean;
}

export interface WirePair {
  id: string;
  proxy_id?: string;
  config_version?: string;
  method: string;
  authority?: string;
  path: string;
  request_headers?: WireHeader[];
  start_unix_nanos?: number;
  primary?: WireResponse;
  targets?: WireResponse[];
  secondary?: WireResponse;
  request_body?: WireBody;
  id_shortened?: boolean;
  path_truncated?: boolean;
  /** The secondary's share of mirrored requests, in parts per million (0: none configured). */
  secondary_share_ppm?: number;
  trace_id?: string;
  grpc?: boolean;
}

/** A `shadowdiff.v1.Batch` of `pairs`, encoded. Objects that are not WirePairs may be passed to build bad batches. */
export function encodeBatch(pairs: readonly (WirePair | Record<string, unknown>)[]): Buffer {
  return Buffer.from(BatchType.encode(BatchType.fromObject({ pairs })).finish());
}

export type ReportResult = { accepted: number; dropped: number; error?: undefined } | { error: grpc.ServiceError; accepted?: undefined; dropped?: undefined };

type ReportMethod = (bytes: Buffer, metadata: grpc.Metadata, callback: grpc.requestCallback<ReportReply>) => grpc.ClientUnaryCall;

export interface ReportClientOptions {
  /** Sent as `authorization: Bearer <token>` with every call, as the filter does. */
  token?: string;
  grpc?: grpc.ClientOptions;
}

export class ReportClient {
  private readonly client: InstanceType<typeof ReportClientBase>;
  private readonly token: string | undefined;

  constructor(address: string, options: ReportClientOptions = {}) {
    this.client = new ReportClientBase(address, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1, ...options.grpc });
    this.token = options.token;
  }

  /** Sends the bytes as they are, so a test can send what a correct client never would; `metadata` replaces the token's. */
  report(bytes: Buffer, metadata?: grpc.Metadata): Promise<ReportResult> {
    const reportMethod = this.client.Report as ReportMethod;
    const sent = metadata ?? new grpc.Metadata();
    if (metadata === undefined && this.token !== undefined) sent.set("authorization", `Bearer ${this.token}`);
    return new Promise((resolve) => {
      reportMethod.call(this.client, bytes, sent, (error, reply) => resolve(error ? { error } : { accepted: reply?.accepted ?? 0, dropped: reply?.dropped ?? 0 }));
    });
  }

  /** Reports the pairs in batches of `batchSize`; resolves with the number the collector accepted, rejects on a refusal. */
  async reportPairs(pairs: readonly WirePair[], batchSize = 50): Promise<number> {
    let accepted = 0;
    for (let start = 0; start < pairs.length; start += batchSize) {
      const result = await this.report(encodeBatch(pairs.slice(start, start + batchSize)));
      if (result.error) throw result.error;
      accepted += result.accepted;
    }
    return accepted;
  }

  close(): void {
    this.client.close();
  }
}
