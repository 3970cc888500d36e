// The proxy-wasm callbacks, each routed by context id to its root or HTTP context. HTTP-call and
// gRPC answers arrive with the root context's id (Envoy makes every callout from the root
// context), so they go to the root.
//
// Nothing here is exported by itself: a filter's entry file re-exports the callbacks it uses
// (`export { proxy_on_request_headers, ... } from "./abi/dispatcher"`). Envoy skips a callback
// the module does not export, and every call into the VM costs Envoy several microseconds.
import { RootContext, HttpContext } from "./context";
import { Action } from "./types";
import { allocateForHost } from "./memory";

let factory: ((id: u32) => RootContext) | null = null;

/** Which RootContext a new plugin gets. Set from module top level, which runs during
 * _initialize: storing a function is all that may happen there (no host calls). */
export function setRootContextFactory(create: (id: u32) => RootContext): void {
  factory = create;
}

const roots = new Map<u32, RootContext>();
const streams = new Map<u32, HttpContext>();

function root(id: u32): RootContext | null {
  return roots.has(id) ? roots.get(id) : null;
}

function stream(id: u32): HttpContext | null {
  return streams.has(id) ? streams.get(id) : null;
}

export function proxy_abi_version_0_2_1(): void {}

// Envoy looks for malloc first, then proxy_on_memory_allocate.
export function malloc(size: usize): usize {
  return allocateForHost(size);
}

export function proxy_on_memory_allocate(size: usize): usize {
  return allocateForHost(size);
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  if (parentContextId == 0) {
    const create = factory;
    roots.set(contextId, create !== null ? create(contextId) : new RootContext(contextId));
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

export function proxy_on_grpc_receive_initial_metadata(rootContextId: u32, token: u32, numHeaders: u32): void {
  const context = root(rootContextId);
  if (context !== null) context.onGrpcReceiveInitialMetadata(token, numHeaders);
}

export function proxy_on_grpc_receive(rootContextId: u32, token: u32, messageSize: usize): void {
  const context = root(rootContextId);
  if (context !== null) context.onGrpcReceive(token, messageSize);
}

export function proxy_on_grpc_receive_trailing_metadata(rootContextId: u32, token: u32, numTrailers: u32): void {
  const context = root(rootContextId);
  if (context !== null) context.onGrpcReceiveTrailingMetadata(token, numTrailers);
}

export function proxy_on_grpc_close(rootContextId: u32, token: u32, statusCode: u32): void {
  const context = root(rootContextId);
  if (context !== null) context.onGrpcClose(token, statusCode);
}

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: bool): Action {
  const context = stream(contextId);
  return context !== null ? context.onRequestHeaders(numHeaders, endOfStream) : Action.Continue;
}

export function proxy_on_request_body(contextId: u32, bodySize: usize, endOfStream: bool): Action {
  const context = stream(contextId);
  return context !== null ? context.onRequestBody(bodySize, endOfStream) : Action.Continue;
}

export function proxy_on_request_trailers(contextId: u32, numTrailers: u32): Action {
  const context = stream(contextId);
  return context !== null ? context.onRequestTrailers(numTrailers) : Action.Continue;
}

export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: bool): Action {
  const context = stream(contextId);
  return context !== null ? context.onResponseHeaders(numHeaders, endOfStream) : Action.Continue;
}

export function proxy_on_response_body(contextId: u32, bodySize: usize, endOfStream: bool): Action {
  const context = stream(contextId);
  return context !== null ? context.onResponseBody(bodySize, endOfStream) : Action.Continue;
}

export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): Action {
  const context = stream(contextId);
  return context !== null ? context.onResponseTrailers(numTrailers) : Action.Continue;
}

export function proxy_on_log(contextId: u32): void {
  const context = stream(contextId);
  if (context !== null) context.onLog();
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
