// Safe wrappers over the imports in imports.ts. Each says when the host allows the call.
// "Not found" comes back as null, not as an error.
import * as raw from "./imports";
import { Status, LogLevel, WasiClock } from "./types";
import { takeFromHost } from "./memory";

// Scratch words the host writes returned pointers, sizes, ids and times into. Static data, so
// reading them allocates nothing.
const scratch = memory.data(16);

function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

/** Any callback except during `_initialize`. */
export function log(level: i32, message: string): void {
  const bytes = utf8(message);
  raw.proxy_log(level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

export function logCritical(message: string): void {
  log(LogLevel.Critical, message);
}

/** Buffers: the plugin configuration in on_configure, bodies in their callbacks. */
export function getBufferBytes(bufferType: i32, start: usize, maxSize: usize): ArrayBuffer | null {
  const status = raw.proxy_get_buffer_bytes(bufferType, start, maxSize, scratch, scratch + 4);
  if (status != Status.Ok) return null;
  return takeFromHost(<usize>load<u32>(scratch), <usize>load<u32>(scratch + 4));
}

/** One header map, serialized (headers.ts reads it in place): request headers in
 * on_request_headers, response headers in on_response_headers, HTTP-call response headers in
 * on_http_call_response. */
export function getHeaderPairs(mapType: i32): ArrayBuffer {
  const status = raw.proxy_get_header_map_pairs(mapType, scratch, scratch + 4);
  if (status != Status.Ok) return new ArrayBuffer(0);
  return takeFromHost(<usize>load<u32>(scratch), <usize>load<u32>(scratch + 4));
}

// Reads in place: readHeaderValue and readBufferBytes leave the host's copy where
// returnedPtr/returnedSize say, outside the garbage collector, until releaseReturned (to be
// called before the next host call that returns memory). Nothing managed is allocated.

export function returnedPtr(): usize {
  return <usize>load<u32>(scratch);
}

export function returnedSize(): usize {
  return <usize>load<u32>(scratch + 4);
}

export function releaseReturned(): void {
  const ptr = returnedPtr();
  if (ptr != 0) heap.free(ptr);
  store<u64>(scratch, 0);
}

/** One header's first value (Envoy's getHeaderMapValue); true when the header is present. */
export function readHeaderValue(mapType: i32, key: ArrayBuffer): bool {
  store<u64>(scratch, 0);
  const status = raw.proxy_get_header_map_value(mapType, changetype<usize>(key), <usize>key.byteLength, scratch, scratch + 4);
  return status == Status.Ok;
}

/** Up to maxSize bytes of a buffer from `start`; true when the host answered. */
export function readBufferBytes(bufferType: i32, start: usize, maxSize: usize): bool {
  store<u64>(scratch, 0);
  return raw.proxy_get_buffer_bytes(bufferType, start, maxSize, scratch, scratch + 4) == Status.Ok;
}

/** Whether a header is present, whatever its value. */
export function hasHeader(mapType: i32, key: ArrayBuffer): bool {
  const found = readHeaderValue(mapType, key);
  releaseReturned();
  return found;
}

export function removeHeader(mapType: i32, key: ArrayBuffer): i32 {
  return raw.proxy_remove_header_map_value(mapType, changetype<usize>(key), <usize>key.byteLength);
}

/** Status of the HTTP call (in on_http_call_response) or gRPC call (in on_grpc_close). */
export class CalloutStatus {
  constructor(public code: u32, public message: string) {}
}

export function getStatus(): CalloutStatus {
  const status = raw.proxy_get_status(scratch, scratch + 4, scratch + 8);
  if (status != Status.Ok) return new CalloutStatus(0, "");
  const code = load<u32>(scratch);
  const message = takeFromHost(<usize>load<u32>(scratch + 4), <usize>load<u32>(scratch + 8));
  return new CalloutStatus(code, String.UTF8.decode(message));
}

/** Property path segments are joined by NUL bytes (e.g. ["xds", "node", "id"]). */
export function getProperty(path: Array<string>): ArrayBuffer | null {
  const joined = utf8(path.join("\0"));
  const status = raw.proxy_get_property(changetype<usize>(joined), <usize>joined.byteLength, scratch, scratch + 4);
  if (status != Status.Ok) return null;
  return takeFromHost(<usize>load<u32>(scratch), <usize>load<u32>(scratch + 4));
}

export class CalloutResult {
  constructor(public status: i32, public token: u32) {}
}

/** HTTP callouts, from any context, with the cluster name and the header map serialized; the
 * answer arrives on the root context. */
export function httpCall(cluster: ArrayBuffer, pairs: ArrayBuffer, timeoutMs: u32): CalloutResult {
  const status = raw.proxy_http_call(
    changetype<usize>(cluster), <usize>cluster.byteLength,
    changetype<usize>(pairs), <usize>pairs.byteLength,
    0, 0, 0, 0, timeoutMs, scratch);
  return new CalloutResult(status, status == Status.Ok ? load<u32>(scratch) : 0);
}

/** gRPC unary callouts: `service` is a serialized envoy.config.core.v3.GrpcService (or a bare
 * cluster name), the message is read where it lies. Success arrives in on_grpc_receive, failure
 * in on_grpc_close, on the root context. */
export function grpcCall(service: ArrayBuffer, serviceName: ArrayBuffer, method: ArrayBuffer,
                         initialMetadata: ArrayBuffer, messagePtr: usize, messageSize: usize, timeoutMs: u32): CalloutResult {
  const status = raw.proxy_grpc_call(
    changetype<usize>(service), <usize>service.byteLength,
    changetype<usize>(serviceName), <usize>serviceName.byteLength,
    changetype<usize>(method), <usize>method.byteLength,
    changetype<usize>(initialMetadata), <usize>initialMetadata.byteLength,
    messagePtr, messageSize, timeoutMs, scratch);
  return new CalloutResult(status, status == Status.Ok ? load<u32>(scratch) : 0);
}

/** Metrics: define once (on_configure), then increment or record from any callback. */
export function defineMetric(metricType: i32, name: string): u32 {
  const bytes = utf8(name);
  const status = raw.proxy_define_metric(metricType, changetype<usize>(bytes), <usize>bytes.byteLength, scratch);
  return status == Status.Ok ? load<u32>(scratch) : 0;
}

export function incrementMetric(metricId: u32, delta: i64): void {
  if (metricId != 0) raw.proxy_increment_metric(metricId, delta);
}

export function recordMetric(metricId: u32, value: u64): void {
  if (metricId != 0) raw.proxy_record_metric(metricId, value);
}

/** Root context only; 0 turns the timer off. */
export function setTickPeriod(periodMs: u32): void {
  raw.proxy_set_tick_period_milliseconds(periodMs);
}

export function setEffectiveContext(contextId: u32): i32 {
  return raw.proxy_set_effective_context(contextId);
}

/** Monotonic nanoseconds (WASI clock 1; Envoy answers it from its monotonic time source). */
export function monotonicNanos(): u64 {
  if (raw.clock_time_get(WasiClock.Monotonic, 0, scratch) != 0) return 0;
  return load<u64>(scratch);
}

/** Wall-clock nanoseconds since the Unix epoch (WASI clock 0). */
export function realtimeNanos(): u64 {
  if (raw.clock_time_get(WasiClock.Realtime, 0, scratch) != 0) return 0;
  return load<u64>(scratch);
}

/** Random bits from the host (WASI random_get): Math.random would import env.seed. */
export function randomU64(): u64 {
  store<u64>(scratch, 0);
  raw.random_get(scratch, 8);
  return load<u64>(scratch);
}
