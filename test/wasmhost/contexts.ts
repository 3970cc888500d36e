// What Envoy's wasm Context holds for each context id, and when each piece is reachable from the
// module (envoy source/extensions/common/wasm/context.cc getMap/getConstMap/getBuffer): a stream's
// request headers only while on_request_headers runs (or while it stays paused), a body chunk only
// while its callback runs, everything in read-only form during on_log.
import { HeaderMap } from "./header-map.js";
import type { StreamType } from "./abi.js";

export interface HttpCallResponseView {
  readonly headers: HeaderMap;
  readonly body: Uint8Array;
  readonly trailers: HeaderMap | undefined;
}

export class RootContextState {
  readonly kind = "root" as const;
  /** proxy_get_status: code and message of the last callout failure delivered to this root. */
  statusCode = 0;
  statusMessage = "";
  /** Set only during on_configure (Envoy's temp_plugin_). */
  pluginConfigurationVisible = false;
  /** Set only during a successful on_http_call_response. */
  httpCallResponse: HttpCallResponseView | undefined;
  /** Set only during on_grpc_receive. */
  grpcReceiveBuffer: Uint8Array | undefined;
  /** on_done answered false: the root lives on until it calls proxy_done (WasmBase::pending_done_). */
  pendingDone = false;
  constructor(readonly id: number) {}
}

export interface LocalResponse {
  readonly status: number;
  readonly details: string;
  readonly body: Uint8Array;
  readonly headers: Array<[string, string]>;
  readonly grpcStatus: number;
}

export class StreamContextState {
  readonly kind = "stream" as const;
  readonly request = new HeaderMap();
  readonly response = new HeaderMap();
  requestTrailers: HeaderMap | undefined;
  responseTrailers: HeaderMap | undefined;

  requestHeadersVisible = false;
  responseHeadersVisible = false;
  requestTrailersVisible = false;
  responseTrailersVisible = false;
  /** The request body buffer the module sees now: the current chunk, or all buffered chunks. */
  requestBody: Uint8Array | undefined;
  responseBody: Uint8Array | undefined;
  bufferingRequestBody = false;
  bufferingResponseBody = false;
  endOfStream = false;
  accessLogPhase = false;
  responseHeadersSeen = false;

  readonly continueCalls: StreamType[] = [];
  readonly closeCalls: StreamType[] = [];
  localResponse: LocalResponse | undefined;
  deleted = false;

  constructor(
    readonly id: number,
    readonly rootId: number,
  ) {}
}

export type ContextState = RootContextState | StreamContextState;

export const VM_CONTEXT_ID = 0;
export const ROOT_CONTEXT_ID = 1;

/**
 * Live context ids, as Envoy's WasmBase keeps them (0 is the VM context, 1 the first plugin's
 * root). A new plugin configuration in the same VM gets a root of its own with the next id; new
 * streams belong to the newest root, while older roots live on until they are deleted.
 */
export class ContextRegistry {
  private readonly byId = new Map<number, ContextState>();
  readonly vm = new RootContextState(VM_CONTEXT_ID);
  private current = new RootContextState(ROOT_CONTEXT_ID);
  private nextId = ROOT_CONTEXT_ID + 1;

  constructor() {
    this.byId.set(this.vm.id, this.vm);
    this.byId.set(this.current.id, this.current);
  }

  /** The newest root: the one new streams belong to. */
  get root(): RootContextState {
    return this.current;
  }

  /** A root for a new plugin configuration; it becomes the newest. */
  addRoot(): RootContextState {
    this.current = new RootContextState(this.nextId++);
    this.byId.set(this.current.id, this.current);
    return this.current;
  }

  get(id: number): ContextState | undefined {
    return this.byId.get(id);
  }

  /** Root contexts not deleted yet, oldest first. */
  roots(): RootContextState[] {
    return [...this.byId.values()].filter((context): context is RootContextState => context.kind === "root" && context !== this.vm);
  }

  newStream(): StreamContextState {
    return new StreamContextState(this.nextId++, this.current.id);
  }

  add(context: ContextState): void {
    this.byId.set(context.id, context);
  }

  remove(context: ContextState): void {
    this.byId.delete(context.id);
  }

  rootOf(context: ContextState): RootContextState {
    if (context.kind === "root") return context;
    const root = this.byId.get(context.rootId);
    return root?.kind === "root" ? root : this.current;
  }
}
