// One unary shadowdiff.v1.Collector/Report call over real gRPC, from a given copy of the capture
// contract (the tests use the .proto an installed package carries).
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

type ReportClient = grpc.Client & {
  Report(batch: object, callback: (error: grpc.ServiceError | null, reply?: { accepted: number }) => void): void;
};

/** Reports one matching JSON pair for `path`; resolves with the number of pairs accepted. */
export async function reportOnePair(protoFile: string, grpcAddress: string, path: string): Promise<number> {
  const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: Number, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    shadowdiff: { v1: { Collector: new (address: string, credentials: grpc.ChannelCredentials) => ReportClient } };
  };
  const client = new loaded.shadowdiff.v1.Collector(grpcAddress, grpc.credentials.createInsecure());
  const body = Buffer.from('{"id":1}');
  const response = (latencyMillis: number) => ({
    status: 200,
    headers: [{ name: "content-type", value: "application/json" }],
    body,
    body_size: body.length,
    truncated: false,
    latency_nanos: latencyMillis * 1_000_000,
  });
  const pair = {
    id: "ship-test-1",
    proxy_id: "sidecar~10.0.0.1~api-primary-1.shop~shop.svc.cluster.local",
    config_version: "0badc0de",
    method: "GET",
    authority: "api.shop.svc.cluster.local",
    path,
    request_headers: [],
    start_unix_nanos: Date.now() * 1_000_000,
    primary: response(3),
    shadow: response(4),
    shadow_failure: 0,
  };
  try {
    return await new Promise<number>((resolve, reject) =>
      client.Report({ pairs: [pair] }, (error, reply) => (error ? reject(error) : resolve(reply?.accepted ?? 0))),
    );
  } finally {
    client.close();
  }
}
