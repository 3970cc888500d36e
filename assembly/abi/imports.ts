// The host functions of proxy-wasm ABI v0.2.1 (module "env") and the WASI functions Envoy
// provides (module "wasi_snapshot_preview1"), with the spec's exact signatures.
// Pointers and sizes are i32 (usize on wasm32). Safe wrappers live in hostcalls.ts.

// Logging
@external("env", "proxy_log")
export declare function proxy_log(level: i32, messagePtr: usize, messageSize: usize): i32;
@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(returnLevel: usize): i32;

// Context lifecycle
@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): i32;
@external("env", "proxy_done")
export declare function proxy_done(): i32;

// Timers and time
@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(periodMs: u32): i32;

// Buffers
@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(
  bufferType: i32, start: usize, maxSize: usize, returnData: usize, returnSize: usize): i32;
@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(
  bufferType: i32, returnSize: usize, returnUnused: usize): i32;

// Header maps
@external("env", "proxy_get_header_map_pairs")
export declare function proxy_get_header_map_pairs(mapType: i32, returnData: usize, returnSize: usize): i32;
@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(
  mapType: i32, keyPtr: usize, keySize: usize, returnData: usize, returnSize: usize): i32;
@external("env", "proxy_remove_header_map_value")
export declare function proxy_remove_header_map_value(mapType: i32, keyPtr: usize, keySize: usize): i32;

// Status of the callout being answered
@external("env", "proxy_get_status")
export declare function proxy_get_status(returnCode: usize, returnMessageData: usize, returnMessageSize: usize): i32;

// Properties
@external("env", "proxy_get_property")
export declare function proxy_get_property(
  pathPtr: usize, pathSize: usize, returnData: usize, returnSize: usize): i32;

// HTTP callouts
@external("env", "proxy_http_call")
export declare function proxy_http_call(
  upstreamPtr: usize, upstreamSize: usize,
  headersPtr: usize, headersSize: usize,
  bodyPtr: usize, bodySize: usize,
  trailersPtr: usize, trailersSize: usize,
  timeoutMs: u32, returnToken: usize): i32;

// gRPC callouts: 12 parameters (service, service name, method, initial metadata, message,
// timeout, token).
@external("env", "proxy_grpc_call")
export declare function proxy_grpc_call(
  servicePtr: usize, serviceSize: usize,
  serviceNamePtr: usize, serviceNameSize: usize,
  methodPtr: usize, methodSize: usize,
  initialMetadataPtr: usize, initialMetadataSize: usize,
  messagePtr: usize, messageSize: usize,
  timeoutMs: u32, returnToken: usize): i32;

// Metrics
@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: i32, namePtr: usize, nameSize: usize, returnId: usize): i32;
@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, delta: i64): i32;
@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): i32;
@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metricId: u32, returnValue: usize): i32;

// WASI, as Envoy provides it
@external("wasi_snapshot_preview1", "clock_time_get")
export declare function clock_time_get(clockId: i32, precision: u64, returnTime: usize): i32;
@external("wasi_snapshot_preview1", "random_get")
export declare function random_get(bufferPtr: usize, bufferSize: usize): i32;
