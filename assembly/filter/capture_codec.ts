// The capture contract's encoder: proto/shadowdiff/v1/capture.proto, field by field.
// Also the envoy.config.core.v3.GrpcService that proxy_grpc_call takes as its "service".
import { Header } from "../abi/headers";
import { ProtoWriter } from "./protobuf";
import { Pair, CapturedResponse, ShadowFailure } from "./pair";
import { validUtf8 } from "./utf8";

// message Header { string name = 1; string value = 2; }
function encodeHeader(header: Header): ProtoWriter {
  const w = new ProtoWriter(header.name.length + header.value.byteLength + 8);
  w.bytes(1, validUtf8(String.UTF8.encode(header.name)));
  w.bytes(2, validUtf8(header.value));
  return w;
}

// message Response { status = 1; headers = 2; body = 3; body_size = 4; truncated = 5; latency_nanos = 6; }
function encodeResponse(response: CapturedResponse): ProtoWriter {
  const w = new ProtoWriter(response.body.captured + 64);
  w.uint(1, <u64>response.status);
  for (let i = 0; i < response.headers.length; i++) w.message(2, encodeHeader(response.headers[i]));
  if (response.body.captured > 0) w.bytesAlways(3, response.body.data.dataStart, response.body.captured);
  w.uint(4, response.body.total);
  w.bool(5, response.body.truncated());
  w.uint(6, response.latencyNanos);
  return w;
}

/** message Pair, as capture.proto numbers its fields. */
export function encodePair(pair: Pair, proxyId: string, configVersion: string): ArrayBuffer {
  const w = new ProtoWriter(pair.primary.body.captured + pair.shadow.body.captured + 256);
  w.bytes(1, validUtf8(pair.id));
  w.string(2, proxyId);
  w.string(3, configVersion);
  w.bytes(4, validUtf8(pair.method));
  w.bytes(5, validUtf8(pair.authority));
  w.bytes(6, validUtf8(pair.path));
  for (let i = 0; i < pair.requestHeaders.length; i++) w.message(7, encodeHeader(pair.requestHeaders[i]));
  w.uint(8, pair.startUnixNanos);
  w.message(9, encodeResponse(pair.primary));
  // The shadow's fields are absent when it failed; the failure kind says why.
  if (pair.shadowFailure == ShadowFailure.None) w.message(10, encodeResponse(pair.shadow));
  w.uint(11, <u64>pair.shadowFailure);
  return w.finish();
}

/** message Batch { repeated Pair pairs = 1; } from pairs already encoded. */
export function encodeBatch(pairs: Array<ArrayBuffer>, totalSize: i32): ArrayBuffer {
  const w = new ProtoWriter(totalSize);
  for (let i = 0; i < pairs.length; i++) {
    w.bytesAlways(1, changetype<usize>(pairs[i]), pairs[i].byteLength);
  }
  return w.finish();
}

/** envoy.config.core.v3.GrpcService { envoy_grpc = 1 { cluster_name = 1; authority = 2; } }.
 * The authority is set because Istio's cluster names (outbound|9000||...) are not valid ones. */
export function encodeGrpcService(cluster: string, authority: string): ArrayBuffer {
  const envoyGrpc = new ProtoWriter();
  envoyGrpc.string(1, cluster);
  envoyGrpc.string(2, authority);
  const service = new ProtoWriter();
  service.message(1, envoyGrpc);
  return service.finish();
}
