// What the env.proxy_* functions need from the host, and the small conversions they share.
import type { Status } from "./abi.js";
import type { BufferSources } from "./buffer-access.js";
import type { ContextState, RootContextState } from "./contexts.js";
import type { ModuleMemory } from "./memory.js";
import type { MetricStore } from "./metrics.js";
import type { HeaderPair } from "./pairs.js";

/** What the env functions need from the host. */
export interface HostCallEnv extends BufferSources {
  readonly memory: ModuleMemory;
  readonly metrics: MetricStore;
  readonly logLevel: number;
  /** The effective context of the running callback (proxy_set_effective_context), else its own. */
  context(): ContextState;
  rootOf(context: ContextState): RootContextState;
  setEffectiveContext(id: number): boolean;
  log(level: number, message: string): void;
  realtimeNanos(): bigint;
  property(context: ContextState, path: string[]): Uint8Array | undefined;
  httpCall(
    root: RootContextState,
    cluster: string,
    headers: HeaderPair[],
    body: Uint8Array,
    trailers: HeaderPair[],
    timeoutMs: number,
  ): { result: Status; token: number };
  grpcCall(
    root: RootContextState,
    service: Uint8Array,
    serviceName: string,
    methodName: string,
    initialMetadata: HeaderPair[],
    message: Uint8Array,
    timeoutMs: number,
  ): { result: Status; token: number };
  grpcCancel(root: RootContextState, token: number): Status;
  setTickPeriod(root: RootContextState, periodMs: number): void;
  done(context: ContextState): Status;
  continueStream(context: ContextState, type: number): Status;
  closeStream(context: ContextState, type: number): Status;
  sendLocalResponse(
    context: ContextState,
    status: number,
    details: string,
    body: Uint8Array,
    headers: HeaderPair[],
    grpcStatus: number,
  ): void;
}

export type HostFunction = (...args: never[]) => number;

/** Pointers and sizes arrive as signed i32; the ABI means them unsigned. */
export const u = (value: number) => value >>> 0;

export const utf8 = new TextEncoder();
