// Safe wrappers over the host functions in imports.ts, with one error convention: NOT_FOUND is an
// absent value (null, false, an empty map), any other status the call should never answer aborts
// with a message naming the call. Callouts are the exception: whether the host takes one is an
// outcome the caller acts on, so httpCall and grpcCall return the status.
// Each wrapper says when the host allows the call (README.md has the table).
import * as raw from "./imports";
import { BufferType, LogLevel, MapType, MetricType, Status, WasiClock, WasiErrno } from "./types";
import { takeFromHost } from "./memory";

// Scratch words the host writes returned pointers, sizes, ids and times into. Static data, so
// reading them allocates nothing.
const scratch = memory.data(16);

function unexpected(call: string, status: i32): void {
  abort(call + " answered " + status.toString());
}

function check(call: string, status: i32): void {
  if (status != Status.Ok) unexpected(call, status);
}

/** true for OK, false for NOT_FOUND; anything else aborts. */
function found(call: string, status: i32): bool {
  if (status == Status.NotFound) return false;
  check(call, status);
  return true;
}

function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

/** Any callback (not during `_initialize`). */
export function log(level: LogLevel, message: string): void {
  const bytes = utf8(message);
  check("proxy_log", raw.proxy_log(level, changetype<usize>(bytes), <usize>bytes.byteLength));
}

/** A root context whose on_done answered false says it has finished, from any later callback
 * of its own; the host then deletes it. false when the root was not waiting to finish. */
export function done(): bool {
  return found("proxy_done", raw.proxy_done());
}

/** Up to maxSize bytes of a buffer from `start`, copied: the plugin configuration in
 * on_configure, the VM configuration in on_vm_start, a body in its callback, an HTTP-call
 * response body in on_http_call_response. null when the buffer is absent. */
export function getBufferBytes(buffer: BufferType, start: usize, maxSize: usize): ArrayBuffer | null {
  const status = raw.proxy_get_buffer_bytes(buffer, start, maxSize, scratch, scratch + 4);
  if (!found("proxy_get_buffer_bytes", status)) return null;
  return takeFromHost(<usize>load<u32>(scratch), <usize>load<u32>(scratch + 4));
}

/** One header map, serialized (headers.ts reads it in place): request headers in
 * on_request_headers, response headers in on_response_headers, HTTP-call response headers in
 * on_http_call_response. An absent map reads as an empty one. */
export function getHeaderPairs(map: MapType): ArrayBuffer {
  const status = raw.proxy_get_header_map_pairs(map, scratch, scratch + 4);
  if (!found("proxy_get_header_map_pairs", status)) return new ArrayBuffer(0);
  return takeFromHost(<usize>load<u32>(scratch), <usize>load<u32>(scratch + 4));
}

/**
 * Bytes the host wrote into the module's memory, read where they lie: no copy, nothing for the
 * garbage collector. The block stays allocated until release(), which must come before the next
 * in-place read: there is one view, and reading again while it is held aborts.
 */
export class InPlace {
  ptr: usize = 0;
  size: usize = 0;
  held: bool = false;

  /** Frees the host's block; ptr and size mean nothing afterwards. */
  release(): void {
    if (this.ptr != 0) heap.free(this.ptr);
    this.ptr = 0;
    this.size = 0;
    this.held = false;
  }
}

const view = new InPlace();

function readInPlace(call: string, status: i32): InPlace | null {
  if (!found(call, status)) return null;
  view.ptr = <usize>load<u32>(scratch);
  view.size = <usize>load<u32>(scratch + 4);
  view.held = true;
  return view;
}

/** Before an in-place read: the view is free, and no stale pointer is left for release(). */
function requireReleased(call: string): void {
  if (view.held) abort(call + " read in place while held");
  store<u64>(scratch, 0);
}

/** One header's first value (Envoy's getHeaderMapValue), in place; null when absent. Same
 * callbacks as getHeaderPairs. */
export function headerValueInPlace(map: MapType, key: ArrayBuffer): InPlace | null {
  requireReleased("proxy_get_header_map_value");
  const status = raw.proxy_get_header_map_value(map, changetype<usize>(key), <usize>key.byteLength, scratch, scratch + 4);
  return readInPlace("proxy_get_header_map_value", status);
}

/** A whole header map, serialized (headers.ts reads it), in place; null when the map is absent.
 * Same callbacks as getHeaderPairs. */
export function headerPairsInPlace(map: MapType): InPlace | null {
  requireReleased("proxy_get_header_map_pairs");
  const status = raw.proxy_get_header_map_pairs(map, scratch, scratch + 4);
  return readInPlace("proxy_get_header_map_pairs", status);
}

/** Up to maxSize bytes of a buffer from `start`, in place; null when the buffer is absent. Same
 * callbacks as getBufferBytes. */
export function bufferBytesInPlace(buffer: BufferType, start: usize, maxSize: usize): InPlace | null {
  requireReleased("proxy_get_buffer_bytes");
  const status = raw.proxy_get_buffer_bytes(buffer, start, maxSize, scratch, scratch + 4);
  return readInPlace("proxy_get_buffer_bytes", status);
}

/** Whether a header is present, whatever its value. */
export function hasHeader(map: MapType, key: ArrayBuffer): bool {
  const value = headerValueInPlace(map, key);
  if (value === null) return false;
  value.release();
  return true;
}

/** Writable maps only: request headers in on_request_headers, response headers in
 * on_response_headers. Removing an absent header is no error. */
export function removeHeader(map: MapType, key: ArrayBuffer): void {
  const status = raw.proxy_remove_header_map_value(map, changetype<usize>(key), <usize>key.byteLength);
  found("proxy_remove_header_map_value", status);
}

/** How the callout being answered ended: in on_http_call_response and on_grpc_close. */
export class CalloutStatus {
  constructor(public code: u32, public message: string) {}
}

export function getStatus(): CalloutStatus {
  check("proxy_get_status", raw.proxy_get_status(scratch, scratch + 4, scratch + 8));
  const code = load<u32>(scratch);
  const message = takeFromHost(<usize>load<u32>(scratch + 4), <usize>load<u32>(scratch + 8));
  return new CalloutStatus(code, String.UTF8.decode(message));
}

/** Any callback. `path`'s segments are joined by NUL bytes ("xds\0node\0id"); null when the
 * property is absent. */
export function getProperty(path: string): ArrayBuffer | null {
  const joined = utf8(path);
  const status = raw.proxy_get_property(changetype<usize>(joined), <usize>joined.byteLength, scratch, scratch + 4);
  if (!found("proxy_get_property", status)) return null;
  return takeFromHost(<usize>load<u32>(scratch), <usize>load<u32>(scratch + 4));
}

/** Whether the host took a callout (status OK) and the token its answer will carry. */
export class CalloutResult {
  constructor(public status: Status, public token: u32) {}
}

/** Any callback, with the cluster name, the request's header map serialized and its body (copied
 * by the host before the call returns; a body sets the request's content-length). The answer
 * arrives in on_http_call_response on the root context. BAD_ARGUMENT: unknown cluster, or
 * :method, :path or :authority missing. */
export function httpCall(cluster: ArrayBuffer, pairs: ArrayBuffer, timeoutMs: u32, bodyPtr: usize = 0, bodySize: usize = 0): CalloutResult {
  const status = raw.proxy_http_call(
    changetype<usize>(cluster), <usize>cluster.byteLength,
    changetype<usize>(pairs), <usize>pairs.byteLength,
    bodyPtr, bodySize, 0, 0, timeoutMs, scratch);
  return new CalloutResult(status, status == Status.Ok ? load<u32>(scratch) : 0);
}

/** Any callback; a unary call. `service` is a serialized envoy.config.core.v3.GrpcService (or a
 * bare cluster name), the message is read where it lies and copied by the host before the call
 * returns. Success arrives in on_grpc_receive, failure in on_grpc_close, on the root context. */
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

/** on_vm_start or on_configure; the id is what incrementMetric takes. */
export function defineMetric(type: MetricType, name: string): u32 {
  const bytes = utf8(name);
  check("proxy_define_metric", raw.proxy_define_metric(type, changetype<usize>(bytes), <usize>bytes.byteLength, scratch));
  return load<u32>(scratch);
}

/** Any callback. Counters take positive deltas only; gauges either sign. */
export function incrementMetric(metricId: u32, delta: i64): void {
  check("proxy_increment_metric", raw.proxy_increment_metric(metricId, delta));
}

/** Root context (on_vm_start, on_configure, on_tick); 0 turns the timer off. */
export function setTickPeriod(periodMs: u32): void {
  check("proxy_set_tick_period_milliseconds", raw.proxy_set_tick_period_milliseconds(periodMs));
}

function clock(id: WasiClock): u64 {
  const errno = raw.clock_time_get(id, 0, scratch);
  if (errno != WasiErrno.Success) unexpected("clock_time_get", errno);
  return load<u64>(scratch);
}

/** Any callback (and _initialize). Monotonic nanoseconds: Envoy answers from its monotonic
 * time source. */
export function monotonicNanos(): u64 {
  return clock(WasiClock.Monotonic);
}

/** Any callback (and _initialize). Wall-clock nanoseconds since the Unix epoch. */
export function realtimeNanos(): u64 {
  return clock(WasiClock.Realtime);
}

/** Any callback (and _initialize). Random bits from the host: Math.random would import env.seed. */
export function randomU64(): u64 {
  const errno = raw.random_get(scratch, 8);
  if (errno != WasiErrno.Success) unexpected("random_get", errno);
  return load<u64>(scratch);
}
