// One downstream HTTP stream through the filter, driven callback by callback in the order Envoy's
// filter manager calls them (envoy source/extensions/common/wasm/context.cc decodeHeaders,
// decodeData, encodeHeaders, encodeData, log, onDestroy).
import { Action } from "./abi.js";
import { toBytes } from "./callouts.js";
import type { StreamContextState } from "./contexts.js";
import { HeaderMap } from "./header-map.js";
import type { HeaderPair } from "./pairs.js";

/** What the stream needs from the host. */
export interface StreamDriver {
  /** Calls an exported callback for this context; `fallback` when the module does not export it. */
  invoke(callback: string, context: StreamContextState, args: number[], fallback: number): number;
  createContext(context: StreamContextState): void;
  removeContext(context: StreamContextState): void;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class HttpStream {
  private created = false;
  private destroyed = false;
  private forwardedRequest: Uint8Array = new Uint8Array();
  private forwardedResponse: Uint8Array = new Uint8Array();

  constructor(
    private readonly driver: StreamDriver,
    private readonly state: StreamContextState,
  ) {}

  /** The stream's context id (what the module's callbacks receive). */
  get contextId(): number {
    return this.state.id;
  }

  /** Request headers as the filter left them (what the upstream would receive). */
  get request(): HeaderMap {
    return this.state.request;
  }

  /** Response headers as the filter left them (what the client would receive). */
  get response(): HeaderMap {
    return this.state.response;
  }

  /** Request trailers as the filter left them. */
  get requestTrailerMap(): HeaderMap | undefined {
    return this.state.requestTrailers;
  }

  /** Response trailers as the filter left them. */
  get responseTrailerMap(): HeaderMap | undefined {
    return this.state.responseTrailers;
  }

  /** Request body bytes passed on upstream so far (chunks the filter let continue). */
  get forwardedRequestBody(): Uint8Array {
    return this.forwardedRequest;
  }

  /** Response body bytes passed on to the client so far. */
  get forwardedResponseBody(): Uint8Array {
    return this.forwardedResponse;
  }

  /** proxy_send_local_response, if the module called it. */
  get localResponse() {
    return this.state.localResponse;
  }

  /** Stream types the module passed to proxy_continue_stream / proxy_close_stream. */
  get continueCalls(): readonly number[] {
    return this.state.continueCalls;
  }

  get closeCalls(): readonly number[] {
    return this.state.closeCalls;
  }

  get deleted(): boolean {
    return this.state.deleted;
  }

  private ensureOpen(what: string): void {
    if (this.destroyed) throw new Error(`stream ${this.state.id}: ${what} after the stream was completed or reset`);
  }

  /** Envoy's onCreate: proxy_on_context_create(stream, root) once, before the first callback. */
  private ensureCreated(): void {
    if (this.created) return;
    this.created = true;
    this.driver.createContext(this.state);
  }

  requestHeaders(pairs: readonly HeaderPair[], endOfStream = false): Action {
    this.ensureOpen("requestHeaders");
    this.ensureCreated();
    const state = this.state;
    state.request.setAll(pairs);
    state.requestHeadersVisible = true;
    state.endOfStream = endOfStream;
    const action = this.driver.invoke(
      "proxy_on_request_headers",
      state,
      [state.id, state.request.size, endOfStream ? 1 : 0],
      Action.Continue,
    );
    if (action === Action.Continue) state.requestHeadersVisible = false;
    return action as Action;
  }

  requestBody(chunk: string | Uint8Array, endOfStream = false): Action {
    this.ensureOpen("requestBody");
    if (!this.created) return Action.Continue;
    const state = this.state;
    const bytes = toBytes(chunk);
    state.requestBody = state.bufferingRequestBody && state.requestBody ? concat(state.requestBody, bytes) : bytes;
    state.endOfStream = endOfStream;
    const action = this.driver.invoke(
      "proxy_on_request_body",
      state,
      [state.id, state.requestBody.length, endOfStream ? 1 : 0],
      Action.Continue,
    );
    state.bufferingRequestBody = false;
    if (action === Action.Continue) {
      this.forwardedRequest = concat(this.forwardedRequest, state.requestBody ?? new Uint8Array());
      state.requestBody = undefined;
    } else if (action === Action.Pause) {
      state.bufferingRequestBody = true;
    }
    return action as Action;
  }

  requestTrailers(pairs: readonly HeaderPair[]): Action {
    this.ensureOpen("requestTrailers");
    if (!this.created) return Action.Continue;
    const state = this.state;
    state.requestTrailers = new HeaderMap(pairs);
    state.requestTrailersVisible = true;
    const action = this.driver.invoke(
      "proxy_on_request_trailers",
      state,
      [state.id, state.requestTrailers.size],
      Action.Continue,
    );
    if (action === Action.Continue) state.requestTrailersVisible = false;
    return action as Action;
  }

  responseHeaders(pairs: readonly HeaderPair[], endOfStream = false): Action {
    this.ensureOpen("responseHeaders");
    if (!this.created) return Action.Continue;
    const state = this.state;
    state.response.setAll(pairs);
    state.responseHeadersSeen = true;
    state.responseHeadersVisible = true;
    state.endOfStream = endOfStream;
    const action = this.driver.invoke(
      "proxy_on_response_headers",
      state,
      [state.id, state.response.size, endOfStream ? 1 : 0],
      Action.Continue,
    );
    if (action === Action.Continue) state.responseHeadersVisible = false;
    return action as Action;
  }

  responseBody(chunk: string | Uint8Array, endOfStream = false): Action {
    this.ensureOpen("responseBody");
    if (!this.created) return Action.Continue;
    const state = this.state;
    const bytes = toBytes(chunk);
    state.responseBody = state.bufferingResponseBody && state.responseBody ? concat(state.responseBody, bytes) : bytes;
    state.endOfStream = endOfStream;
    const action = this.driver.invoke(
      "proxy_on_response_body",
      state,
      [state.id, state.responseBody.length, endOfStream ? 1 : 0],
      Action.Continue,
    );
    state.bufferingResponseBody = false;
    if (action === Action.Continue) {
      this.forwardedResponse = concat(this.forwardedResponse, state.responseBody ?? new Uint8Array());
      state.responseBody = undefined;
    } else if (action === Action.Pause) {
      state.bufferingResponseBody = true;
    }
    return action as Action;
  }

  responseTrailers(pairs: readonly HeaderPair[]): Action {
    this.ensureOpen("responseTrailers");
    if (!this.created) return Action.Continue;
    const state = this.state;
    state.responseTrailers = new HeaderMap(pairs);
    state.responseTrailersVisible = true;
    const action = this.driver.invoke(
      "proxy_on_response_trailers",
      state,
      [state.id, state.responseTrailers.size],
      Action.Continue,
    );
    if (action === Action.Continue) state.responseTrailersVisible = false;
    return action as Action;
  }

  /**
   * The stream ended normally. Envoy's filter manager calls the access loggers before destroying
   * the filters (envoy/http/filter.h: onStreamComplete, log, onDestroy), so the module sees
   * proxy_on_log, then proxy_on_done, then proxy_on_delete.
   */
  complete(): void {
    this.ensureOpen("complete");
    this.finish();
  }

  /**
   * The client reset the stream. Envoy's ActiveStream::onResetStream ends in the same deferred
   * destroy (log, then onDestroy), so the callbacks are the same as for complete(); what differs is
   * what the module saw before (typically no response headers).
   */
  reset(): void {
    this.ensureOpen("reset");
    this.finish();
  }

  private finish(): void {
    this.destroyed = true;
    const state = this.state;
    state.requestHeadersVisible = state.responseHeadersVisible = false;
    state.requestTrailersVisible = state.responseTrailersVisible = false;
    state.requestBody = state.responseBody = undefined;
    // Context::log creates the VM context when no callback has run yet (e.g. a local reply).
    this.ensureCreated();
    state.accessLogPhase = true;
    try {
      this.driver.invoke("proxy_on_log", state, [state.id], 0);
    } finally {
      state.accessLogPhase = false;
    }
    this.driver.invoke("proxy_on_done", state, [state.id], 1);
    this.driver.invoke("proxy_on_delete", state, [state.id], 0);
    state.deleted = true;
    this.driver.removeContext(state);
  }
}
