// Sends pairs to a collector the way the filter does: unary shadowdiff.v1.Collector/Report over
// gRPC, built from the capture contract's .proto.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { captureProtoPath } from "../../../host/capture/capture-proto.js";

export interface WireResponse {
  status: number;
  headers: { name: string; value: string }[];
  body: Buffer;
  body_size: number;
  truncated: boolean;
  latency_nanos: number;
}

export interface WirePair {
  id: string;
  proxy_id: string;
  config_version: string;
  method: string;
  authority: string;
  path: string;
  request_headers: { name: string; value: string }[];
  start_unix_nanos: number;
  primary: WireResponse;
  shadow: WireResponse;
  shadow_failure: number;
}

export function jsonResponse(value: unknown, latencyMillis: number): WireResponse {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status: 200,
    headers: [{ name: "content-type", value: "application/json" }],
    body,
    body_size: body.length,
    truncated: false,
    latency_nanos: latencyMillis * 1_000_000,
  };
}

let sequence = 0;

export function jsonPair(path: string, primary: WireResponse, shadow: WireResponse): WirePair {
  sequence += 1;
  return {
    id: `req-${sequence}`,
    proxy_id: "sidecar~10.0.0.1~api-primary-1.shop~shop.svc.cluster.local",
    config_version: "0badc0de",
    method: "GET",
    authority: "api.shop.svc.cluster.local",
    path,
    request_headers: [],
    start_unix_nanos: Date.now() * 1_000_000,
    primary,
    shadow,
    shadow_failure: 0,
  };
}

type ReportClient = grpc.Client & {
  Report(batch: { pairs: WirePair[] }, callback: (error: grpc.ServiceError | null, reply?: { accepted: number }) => void): void;
};

export class PairFeeder {
  private readonly client: ReportClient;

  constructor(grpcPort: number) {
    const definition = protoLoader.loadSync(captureProtoPath(), { keepCase: true, longs: Number, defaults: true });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      shadowdiff: { v1: { Collector: new (address: string, credentials: grpc.ChannelCredentials) => ReportClient } };
    };
    this.client = new loaded.shadowdiff.v1.Collector(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  }

  /** Reports the pairs in batches of `batchSize`; resolves with the number the collector accepted. */
  async report(pairs: WirePair[], batchSize = 50): Promise<number> {
    let accepted = 0;
    for (let start = 0; start < pairs.length; start += batchSize) {
      const batch = pairs.slice(start, start + batchSize);
      accepted += await new Promise<number>((resolve, reject) =>
        this.client.Report({ pairs: batch }, (error, reply) => (error ? reject(error) : resolve(reply?.accepted ?? 0))),
      );
    }
    return accepted;
  }

  close(): void {
    this.client.close();
  }
}
