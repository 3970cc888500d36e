import type { FakeClock } from "./clock.js";
import type { ContextRegistry, RootContextState } from "./contexts.js";
import type { DueEvent, TimerSequence } from "./timers.js";
import type { WasmVm } from "./vm.js";

// HTTP and gRPC callouts the module started, and the tokens Envoy gives them: proxy-wasm-cpp-host's
// WasmBase keeps one counter per callout kind, starting at the kind's tag (HTTP 0, gRPC call 1,
// gRPC stream 2) and stepping by 4, so the low two bits of every token name its kind.

export type CalloutState = "pending" | "answered" | "failed" | "cancelled";

/** What every callout has, whatever its kind. */
interface Callout {
  readonly token: number;
  /** 0 means no timeout. */
  readonly timeoutMs: number;
  /** Root context the answer is delivered to. */
  readonly contextId: number;
  /** Monotonic time (ms) the call started, for timeouts. */
  readonly startedAtMs: number;
  state: CalloutState;
}

export interface HttpCall extends Callout {
  readonly token: number;
  readonly cluster: string;
  /** Request headers as Envoy sends them (names lower-cased, content-length added for a body). */
  readonly headers: Array<[string, string]>;
  readonly body: Uint8Array;
  readonly trailers: Array<[string, string]>;
}

export interface GrpcCall extends Callout {
  readonly cluster: string;
  /** envoy_grpc.authority, else the cluster name (what Envoy sends as :authority). */
  readonly authority: string;
  readonly service: string;
  readonly method: string;
  readonly message: Uint8Array;
  readonly initialMetadata: Array<[string, string]>;
}

/**
 * The calls of one kind and what both kinds share: finding a call by token, the root its answer
 * goes to, and its timeout as a timer event. Each kind says how it starts, answers and times out.
 */
export abstract class CalloutTable<C extends Callout> {
  readonly calls: C[] = [];
  /** Token → the order the call's timeout was armed in, so equal deadlines fire in start order. */
  protected readonly armedAt = new Map<number, number>();

  /** "HTTP" or "gRPC", for error messages. */
  protected abstract readonly kind: string;

  constructor(
    protected readonly vm: () => WasmVm,
    protected readonly contexts: ContextRegistry,
    protected readonly clusters: ReadonlySet<string>,
    protected readonly clock: FakeClock,
    protected readonly tokens: TokenAllocator,
    protected readonly sequence: TimerSequence,
  ) {}

  /** What Envoy does when the call's timeout passes. */
  abstract timeout(token: number): void;

  find(token: number): C {
    const call = this.calls.find((candidate) => candidate.token === token);
    if (!call) throw new Error(`no ${this.kind} call with token ${token}`);
    return call;
  }

  protected pending(token: number): C {
    const call = this.find(token);
    if (call.state !== "pending") throw new Error(`${this.kind} call ${token} is already ${call.state}`);
    return call;
  }

  /** A pending call that Envoy could time out. */
  protected timeable(token: number): C {
    const call = this.pending(token);
    if (call.timeoutMs <= 0) throw new Error(`${this.kind} call ${token} has no timeout, so Envoy would never time it out`);
    return call;
  }

  protected rootFor(call: C): RootContextState {
    const context = this.contexts.get(call.contextId);
    return context ? this.contexts.rootOf(context) : this.contexts.root;
  }

  /** A root context was deleted: Envoy's ~Context cancels its pending calls, whose answers never come. */
  cancelAllOf(root: RootContextState): void {
    for (const call of this.calls) {
      if (call.state === "pending" && call.contextId === root.id) call.state = "cancelled";
    }
  }

  /** Pending calls' timeouts, as timer events. */
  dueTimeouts(): DueEvent[] {
    return this.calls
      .filter((call) => call.state === "pending" && call.timeoutMs > 0)
      .map((call) => ({
        at: call.startedAtMs + call.timeoutMs,
        sequence: this.armedAt.get(call.token) ?? 0,
        fire: () => this.timeout(call.token),
      }));
  }
}

const CALLOUT_TYPE_MASK = 0x3;
const CALLOUT_INCREMENT = 0x4;
export const CalloutKind = { HttpCall: 0, GrpcCall: 1, GrpcStream: 2 } as const;

export class TokenAllocator {
  private nextHttp: number = CalloutKind.HttpCall;
  private nextGrpcCall: number = CalloutKind.GrpcCall;

  http(): number {
    this.nextHttp += CALLOUT_INCREMENT;
    return this.nextHttp >>> 0;
  }

  grpcCall(): number {
    this.nextGrpcCall += CALLOUT_INCREMENT;
    return this.nextGrpcCall >>> 0;
  }
}

export function isGrpcCallToken(token: number): boolean {
  return (token & CALLOUT_TYPE_MASK) === CalloutKind.GrpcCall;
}

export function isGrpcStreamToken(token: number): boolean {
  return (token & CALLOUT_TYPE_MASK) === CalloutKind.GrpcStream;
}

export interface HttpCallResponse {
  /** Added as ":status" unless headers already carry one. */
  readonly status?: number;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Uint8Array;
  readonly trailers?: ReadonlyArray<readonly [string, string]>;
}

/**
 * The local replies Envoy's router makes for an async HTTP request that never got a response
 * (Router::Filter::onUpstreamAbort through AsyncStreamImpl::sendLocalReply): they reach the filter
 * as successful responses, not failures.
 */
export const ROUTER_LOCAL_REPLIES = {
  timeout: { status: 504, body: "upstream request timeout" },
  // Observed on Envoy 1.39.3 for a cluster whose endpoint refuses connections (98 bytes).
  connectionRefused: {
    status: 503,
    body: "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure",
  },
  noHealthyUpstream: { status: 503, body: "no healthy upstream" },
} as const;

/** What a gRPC call that times out reports (observed on Envoy 1.39.3): UNAVAILABLE and this text. */
export const GRPC_TIMEOUT_MESSAGE = "upstream request timeout{response_timeout}";

/** Headers of an Envoy local reply with a text body (Http::Utility::sendLocalReply). */
export function localReplyResponse(status: number, body: string): HttpCallResponse {
  return {
    headers: [
      [":status", String(status)],
      ["content-length", String(Buffer.byteLength(body))],
      ["content-type", "text/plain"],
    ],
    body,
  };
}

export function toBytes(value: string | Uint8Array | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array();
  return typeof value === "string" ? new TextEncoder().encode(value) : value;
}
