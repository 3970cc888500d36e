// The proxy-wasm ABI v0.2.1 enums, with the numbers the spec gives them
// (proxy-wasm/spec, abi-versions/v0.2.1, "Types").

export namespace LogLevel {
  export const Trace: i32 = 0;
  export const Debug: i32 = 1;
  export const Info: i32 = 2;
  export const Warn: i32 = 3;
  export const Error: i32 = 4;
  export const Critical: i32 = 5;
}

export namespace Status {
  export const Ok: i32 = 0;
  export const NotFound: i32 = 1;
  export const BadArgument: i32 = 2;
  export const SerializationFailure: i32 = 3;
  export const ParseFailure: i32 = 4;
  export const InvalidMemoryAccess: i32 = 6;
  export const Empty: i32 = 7;
  export const CasMismatch: i32 = 8;
  export const InternalFailure: i32 = 10;
  // Not in the spec's table, but what Envoy reports through proxy_get_status for a failed HTTP call.
  export const BrokenConnection: i32 = 11;
  export const Unimplemented: i32 = 12;
}

export namespace Action {
  export const Continue: i32 = 0;
  export const Pause: i32 = 1;
}

export namespace BufferType {
  export const HttpRequestBody: i32 = 0;
  export const HttpResponseBody: i32 = 1;
  export const DownstreamData: i32 = 2;
  export const UpstreamData: i32 = 3;
  export const HttpCallResponseBody: i32 = 4;
  export const GrpcCallMessage: i32 = 5;
  export const VmConfiguration: i32 = 6;
  export const PluginConfiguration: i32 = 7;
  export const ForeignFunctionArguments: i32 = 8;
}

export namespace MapType {
  export const HttpRequestHeaders: i32 = 0;
  export const HttpRequestTrailers: i32 = 1;
  export const HttpResponseHeaders: i32 = 2;
  export const HttpResponseTrailers: i32 = 3;
  export const GrpcCallInitialMetadata: i32 = 4;
  export const GrpcCallTrailingMetadata: i32 = 5;
  export const HttpCallResponseHeaders: i32 = 6;
  export const HttpCallResponseTrailers: i32 = 7;
}

export namespace StreamType {
  export const HttpRequest: i32 = 0;
  export const HttpResponse: i32 = 1;
  export const Downstream: i32 = 2;
  export const Upstream: i32 = 3;
}

export namespace MetricType {
  export const Counter: i32 = 0;
  export const Gauge: i32 = 1;
  export const Histogram: i32 = 2;
}

export namespace WasiClock {
  export const Realtime: i32 = 0;
  export const Monotonic: i32 = 1;
}

export namespace WasiErrno {
  export const Success: i32 = 0;
}
