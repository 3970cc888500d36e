// The context model: one root context per plugin, one HTTP context per stream, as in the Rust
// SDK's traits. Every method has a do-nothing default that lets the stream go on; a filter
// overrides what it needs, and exports the matching callback from its entry file (dispatcher.ts):
// Envoy calls only the callbacks a module exports.
import { Action } from "./types";

export class RootContext {
  constructor(public readonly id: u32) {}

  onVmStart(vmConfigurationSize: usize): bool { return true; }
  /** false refuses the configuration: the plugin does not start. */
  onConfigure(pluginConfigurationSize: usize): bool { return true; }
  onTick(): void {}
  /** numHeaders == 0 means the call failed; getStatus() says why. */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {}
  onGrpcReceiveInitialMetadata(token: u32, numHeaders: u32): void {}
  onGrpcReceive(token: u32, messageSize: usize): void {}
  onGrpcReceiveTrailingMetadata(token: u32, numTrailers: u32): void {}
  /** A unary call that failed, or any stream that ended. */
  onGrpcClose(token: u32, statusCode: u32): void {}
  /** null: no HTTP context for this stream, its callbacks all go on. */
  createHttpContext(id: u32): HttpContext | null { return null; }
  /** false: not done yet (the plugin calls proxy_done later). */
  onDone(): bool { return true; }
  onDelete(): void {}
}

export class HttpContext {
  constructor(public readonly id: u32) {}

  onRequestHeaders(numHeaders: u32, endOfStream: bool): Action { return Action.Continue; }
  onRequestBody(bodySize: usize, endOfStream: bool): Action { return Action.Continue; }
  onRequestTrailers(numTrailers: u32): Action { return Action.Continue; }
  onResponseHeaders(numHeaders: u32, endOfStream: bool): Action { return Action.Continue; }
  onResponseBody(bodySize: usize, endOfStream: bool): Action { return Action.Continue; }
  onResponseTrailers(numTrailers: u32): Action { return Action.Continue; }
  /** After the stream ended (normally or by a reset), before onDone: both header maps readable. */
  onLog(): void {}
  onDone(): bool { return true; }
  onDelete(): void {}
}
