// env.proxy_http_call and env.proxy_grpc_*: marshalling as exports.cc does it (the HTTP token slot
// is written with 0 before the call starts); the rules live in http-callouts.ts / grpc-callouts.ts.
import { Status } from "./abi.js";
import { isGrpcStreamToken } from "./callouts.js";
import { u, type HostCallEnv, type HostFunction } from "./host-call-env.js";
import { decodePairs } from "./pairs.js";

export function createCalloutImports(env: HostCallEnv): Record<string, HostFunction> {
  const mem = () => env.memory;

  const proxy_http_call = (
    clusterPointer: number,
    clusterSize: number,
    headersPointer: number,
    headersSize: number,
    bodyPointer: number,
    bodySize: number,
    trailersPointer: number,
    trailersSize: number,
    timeoutMs: number,
    tokenPointer: number,
  ): number => {
    const root = env.rootOf(env.context());
    const cluster = mem().readString(u(clusterPointer), u(clusterSize));
    const body = mem().read(u(bodyPointer), u(bodySize));
    const headers = mem().read(u(headersPointer), u(headersSize));
    const trailers = mem().read(u(trailersPointer), u(trailersSize));
    if (cluster === undefined || body === undefined || headers === undefined || trailers === undefined) {
      return Status.InvalidMemoryAccess;
    }
    // Envoy writes a 0 token first to check the pointer before starting anything.
    if (!mem().writeU32(u(tokenPointer), 0)) return Status.InvalidMemoryAccess;
    const { result, token } = env.httpCall(root, cluster, decodePairs(headers), body, decodePairs(trailers), timeoutMs);
    mem().writeU32(u(tokenPointer), token);
    return result;
  };

  const proxy_grpc_call = (
    servicePointer: number,
    serviceSize: number,
    serviceNamePointer: number,
    serviceNameSize: number,
    methodPointer: number,
    methodSize: number,
    metadataPointer: number,
    metadataSize: number,
    messagePointer: number,
    messageSize: number,
    timeoutMs: number,
    tokenPointer: number,
  ): number => {
    const root = env.rootOf(env.context());
    const service = mem().read(u(servicePointer), u(serviceSize));
    const serviceName = mem().readString(u(serviceNamePointer), u(serviceNameSize));
    const method = mem().readString(u(methodPointer), u(methodSize));
    const metadata = mem().read(u(metadataPointer), u(metadataSize));
    const message = mem().read(u(messagePointer), u(messageSize));
    if (
      service === undefined ||
      serviceName === undefined ||
      method === undefined ||
      metadata === undefined ||
      message === undefined
    ) {
      return Status.InvalidMemoryAccess;
    }
    const { result, token } = env.grpcCall(root, service, serviceName, method, decodePairs(metadata), message, u(timeoutMs));
    if (result !== Status.Ok) return result;
    return mem().writeU32(u(tokenPointer), token) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_grpc_cancel = (token: number): number => env.grpcCancel(env.rootOf(env.context()), u(token));
  const proxy_grpc_close = proxy_grpc_cancel;
  // Only gRPC streams take messages, and this host opens none.
  const proxy_grpc_send = (token: number): number =>
    isGrpcStreamToken(u(token)) ? Status.NotFound : Status.BadArgument;

  return {
    proxy_http_call,
    proxy_grpc_call,
    proxy_grpc_cancel,
    proxy_grpc_close,
    proxy_grpc_send,
  } as unknown as Record<string, HostFunction>;
}
