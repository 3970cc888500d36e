// Where proxy_grpc_call sends the reports: a serialized envoy.config.core.v3.GrpcService
// { envoy_grpc = 1 { cluster_name = 1; authority = 2; } }. The authority is set because Istio's
// cluster names (outbound|9000||...) are not valid ones (istio/istio#27918).
import { bytesField, lengthField, putBytes, putLengthHeader } from "./protobuf";

export function encodeGrpcService(cluster: string, authority: string): ArrayBuffer {
  const clusterName = String.UTF8.encode(cluster);
  const authorityName = String.UTF8.encode(authority);
  const envoyGrpcSize = bytesField(clusterName.byteLength) + bytesField(authorityName.byteLength);
  const out = new ArrayBuffer(lengthField(envoyGrpcSize));
  const at = putLengthHeader(changetype<usize>(out), 1, envoyGrpcSize);
  putBytes(putBytes(at, 1, clusterName), 2, authorityName);
  return out;
}
