// The context model: one root context per plugin, one HTTP context per stream. Every method has a
// do-nothing default that lets the stream go on; a plugin overrides what it needs.
import { Action } from "./types";

export class RootContext {
  constructor(public readonly id: u32) {}

  onVmStart(vmConfigurationSize: usize): bool { return true; }
  onConfigure(pluginConfigurationSize: usize): bool { return true; }
  onTick(): void {}
  /** numHeaders == 0 means the call failed; proxy_get_status says why. */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {}
  onGrpcReceive(token: u32, messageSize: usize): void {}
  onGrpcClose(token: u32, statusCode: u32): void {}
  /** null: this plugin does not look at HTTP streams. */
  createHttpContext(id: u32): HttpContext | null { return null; }
  onDone(): bool { return true; }
  onDelete(): void {}
}

export class HttpContext {
  constructor(public readonly id: u32, public readonly root: RootContext) {}

  onRequestHeaders(numHeaders: u32, endOfStream: bool): i32 { return Action.Continue; }
  onResponseHeaders(numHeaders: u32, endOfStream: bool): i32 { return Action.Continue; }
  onResponseBody(bodySize: usize, endOfStream: bool): i32 { return Action.Continue; }
  onResponseTrailers(numTrailers: u32): i32 { return Action.Continue; }
  onDone(): bool { return true; }
  onDelete(): void {}
}
