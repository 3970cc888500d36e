// The module's proxy-wasm exports: each callback is routed by context id to its root or HTTP
// context. HTTP-call and gRPC answers arrive with the root context's id (Envoy makes every
// callout from the root context), so they go to the root. Every call into the VM costs Envoy
// several microseconds: the module exports only the callbacks the filter uses.
import { RootContext, HttpContext } from "./context";
import { Action } from "./types";
import { allocateForHost } from "./memory";
import { createRootContext } from "./root_factory";

const roots = new Map<u32, RootContext>();
const streams = new Map<u32, HttpContext>();

function root(id: u32): RootContext | null {
  return roots.has(id) ? roots.get(id) : null;
}

function stream(id: u32): HttpContext | null {
  return streams.has(id) ? streams.get(id) : null;
}

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return allocateForHost(size);
}

export function malloc(size: usize): usize {
  return allocateForHost(size);
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  if (parentContextId == 0) {
    roots.set(contextId, createRootContext(contextId));
    return;
  }
  const parent = root(parentContextId);
  if (parent === null) return;
  const created = parent.createHttpContext(contextId);
  if (created !== null) streams.set(contextId, created);
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: usize): bool {
  const context = root(rootContextId);
  return context !== null ? context.onVmStart(vmConfigurationSize) : true;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: usize): bool {
  const context = root(rootContextId);
  return context !== null ? context.onConfigure(pluginConfigurationSize) : false;
}

export function proxy_on_tick(rootContextId: u32): void {
  const context = root(rootContextId);
  if (context !== null) context.onTick();
}

export function proxy_on_http_call_response(rootContextId: u32, token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
  const context = root(rootContextId);
  if (context !== null) context.onHttpCallResponse(token, numHeaders, bodySize, numTrailers);
}

export function proxy_on_grpc_receive(rootContextId: u32, token: u32, messageSize: usize): void {
  const context = root(rootContextId);
  if (context !== null) context.onGrpcReceive(token, messageSize);
}

export function proxy_on_grpc_close(rootContextId: u32, token: u32, statusCode: u32): void {
  const context = root(rootContextId);
  if (context !== null) context.onGrpcClose(token, statusCode);
}

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: bool): i32 {
  const context = stream(contextId);
  return context !== null ? context.onRequestHeaders(numHeaders, endOfStream) : Action.Continue;
}

// No proxy_on_request_body or proxy_on_request_trailers: only body-less requests are mirrored, and
// Envoy skips a callback the module does not export, so a request body never crosses into the VM.
// No proxy_on_log and no gRPC metadata callbacks either: nothing here needs them, and each
// exported stream callback is one more VM call on every request.

export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: bool): i32 {
  const context = stream(contextId);
  return context !== null ? context.onResponseHeaders(numHeaders, endOfStream) : Action.Continue;
}

export function proxy_on_response_body(contextId: u32, bodySize: usize, endOfStream: bool): i32 {
  const context = stream(contextId);
  return context !== null ? context.onResponseBody(bodySize, endOfStream) : Action.Continue;
}

export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): i32 {
  const context = stream(contextId);
  return context !== null ? context.onResponseTrailers(numTrailers) : Action.Continue;
}

export function proxy_on_done(contextId: u32): bool {
  const s = stream(contextId);
  if (s !== null) return s.onDone();
  const r = root(contextId);
  return r !== null ? r.onDone() : true;
}

export function proxy_on_delete(contextId: u32): void {
  const s = stream(contextId);
  if (s !== null) {
    s.onDelete();
    streams.delete(contextId);
    return;
  }
  const r = root(contextId);
  if (r !== null) {
    r.onDelete();
    roots.delete(contextId);
  }
}
