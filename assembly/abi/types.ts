// The proxy-wasm ABI v0.2.1 enums with the spec's numbers (proxy-wasm/spec, abi-versions/v0.2.1,
// "Types"), named as the Rust SDK and Envoy name them: the spec's table says GRPC_CALL_MESSAGE and
// GRPC_CALL_*_METADATA for what both call GrpcReceiveBuffer and GrpcReceive*Metadata, and
// FOREIGN_FUNCTION_ARGUMENTS for CallData. test/wasmhost/abi.ts holds the same tables for the test
// host; test/wasmhost/abi.test.ts fails when the two differ.

export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}

/** What every proxy_* host function returns. The spec's table leaves out 5, 9 and 11, which
 * Envoy uses (11 is what proxy_get_status reports for a failed HTTP call). */
export enum Status {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

/** What the HTTP stream callbacks return. */
export enum Action {
  Continue = 0,
  Pause = 1,
}

export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}

export enum MapType {
  HttpRequestHeaders = 0,
  HttpRequestTrailers = 1,
  HttpResponseHeaders = 2,
  HttpResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}

export enum StreamType {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
}

export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

/** gRPC status codes, as proxy_on_grpc_close reports them. */
export enum GrpcStatus {
  Ok = 0,
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

export enum WasiClock {
  Realtime = 0,
  Monotonic = 1,
}

/** The WASI errno values Envoy's WASI functions answer. */
export enum WasiErrno {
  Success = 0,
  Badf = 8,
  Notdir = 20,
  Fault = 21,
  Inval = 28,
  Noent = 44,
  Nosys = 52,
  Notsup = 58,
}
