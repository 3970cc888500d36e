// The env.proxy_* functions Envoy links for ABI 0.2.1: each reads its arguments out of the
// module's memory, applies Envoy's rule (proxy-wasm-cpp-host src/exports.cc for marshalling, envoy
// source/extensions/common/wasm/context.cc for meaning) and writes results back. Header maps,
// buffers and callouts have files of their own.
import { LogLevel, StreamType, Status } from "./abi.js";
import { createBufferImports } from "./env-buffer-imports.js";
import { createCalloutImports } from "./env-callout-imports.js";
import { createHeaderImports } from "./env-header-imports.js";
import { u, utf8, type HostCallEnv, type HostFunction } from "./host-call-env.js";
import { decodePairs } from "./pairs.js";

export type { HostCallEnv } from "./host-call-env.js";

export function createEnvImports(env: HostCallEnv): Record<string, HostFunction> {
  const mem = () => env.memory;

  const proxy_log = (level: number, pointer: number, size: number): number => {
    if (u(level) > LogLevel.Critical) return Status.BadArgument;
    const message = mem().readString(u(pointer), u(size));
    if (message === undefined) return Status.InvalidMemoryAccess;
    env.log(u(level), message);
    return Status.Ok;
  };

  const proxy_get_log_level = (levelPointer: number): number =>
    mem().writeU32(u(levelPointer), env.logLevel) ? Status.Ok : Status.InvalidMemoryAccess;

  const proxy_get_status = (codePointer: number, messagePointer: number, messageSize: number): number => {
    const root = env.rootOf(env.context());
    if (!mem().writeU32(u(codePointer), root.statusCode)) return Status.InvalidMemoryAccess;
    return mem().copyOut(utf8.encode(root.statusMessage), u(messagePointer), u(messageSize))
      ? Status.Ok
      : Status.InvalidMemoryAccess;
  };

  const proxy_get_property = (pathPointer: number, pathSize: number, valuePointer: number, valueSize: number): number => {
    const path = mem().read(u(pathPointer), u(pathSize));
    if (path === undefined) return Status.InvalidMemoryAccess;
    const segments = splitPath(path);
    const value = segments.length === 0 ? undefined : env.property(env.context(), segments);
    if (value === undefined) return Status.NotFound;
    return mem().copyOut(value, u(valuePointer), u(valueSize)) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_set_property = (keyPointer: number, keySize: number, valuePointer: number, valueSize: number): number => {
    if (mem().read(u(keyPointer), u(keySize)) === undefined || mem().read(u(valuePointer), u(valueSize)) === undefined) {
      return Status.InvalidMemoryAccess;
    }
    // Envoy stores filter state on the stream; without a stream there is nowhere to put it.
    return env.context().kind === "stream" ? Status.Ok : Status.NotFound;
  };

  const proxy_set_tick_period_milliseconds = (period: number): number => {
    env.setTickPeriod(env.rootOf(env.context()), u(period));
    return Status.Ok;
  };

  const proxy_get_current_time_nanoseconds = (resultPointer: number): number =>
    mem().writeU64(u(resultPointer), env.realtimeNanos()) ? Status.Ok : Status.InvalidMemoryAccess;

  const proxy_define_metric = (type: number, namePointer: number, nameSize: number, idPointer: number): number => {
    const name = mem().readString(u(namePointer), u(nameSize));
    if (name === undefined) return Status.InvalidMemoryAccess;
    const { result, id } = env.metrics.define(u(type), name);
    if (result !== Status.Ok || id === undefined) return result;
    return mem().writeU32(u(idPointer), id) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_increment_metric = (id: number, offset: bigint): number => env.metrics.increment(u(id), BigInt.asIntN(64, offset));
  const proxy_record_metric = (id: number, value: bigint): number => env.metrics.record(u(id), BigInt.asUintN(64, value));
  const proxy_get_metric = (id: number, resultPointer: number): number => {
    const { result, value } = env.metrics.get(u(id));
    if (result !== Status.Ok || value === undefined) return result;
    return mem().writeU64(u(resultPointer), value) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_set_effective_context = (id: number): number =>
    env.setEffectiveContext(u(id)) ? Status.Ok : Status.BadArgument;

  const proxy_done = (): number => env.done(env.context());

  const proxy_continue_stream = (type: number): number =>
    u(type) > StreamType.Upstream ? Status.BadArgument : env.continueStream(env.context(), u(type));

  const proxy_close_stream = (type: number): number =>
    u(type) > StreamType.Upstream ? Status.BadArgument : env.closeStream(env.context(), u(type));

  const proxy_send_local_response = (
    status: number,
    detailsPointer: number,
    detailsSize: number,
    bodyPointer: number,
    bodySize: number,
    headersPointer: number,
    headersSize: number,
    grpcStatus: number,
  ): number => {
    const details = mem().readString(u(detailsPointer), u(detailsSize));
    const body = mem().read(u(bodyPointer), u(bodySize));
    const headers = mem().read(u(headersPointer), u(headersSize));
    if (details === undefined || body === undefined || headers === undefined) return Status.InvalidMemoryAccess;
    env.sendLocalResponse(env.context(), u(status), details, body, decodePairs(headers), grpcStatus | 0);
    return Status.Ok;
  };

  const proxy_call_foreign_function = (namePointer: number, nameSize: number): number =>
    mem().read(u(namePointer), u(nameSize)) === undefined ? Status.InvalidMemoryAccess : Status.NotFound;


  return {
    ...createHeaderImports(env),
    ...createBufferImports(env),
    ...createCalloutImports(env),
    proxy_log,
    proxy_get_log_level,
    proxy_get_status,
    proxy_get_property,
    proxy_set_property,
    proxy_set_tick_period_milliseconds,
    proxy_get_current_time_nanoseconds,
    proxy_define_metric,
    proxy_increment_metric,
    proxy_record_metric,
    proxy_get_metric,
    proxy_set_effective_context,
    proxy_done,
    proxy_continue_stream,
    proxy_close_stream,
    proxy_send_local_response,
    proxy_call_foreign_function,
  } as unknown as Record<string, HostFunction>;
}

/** A property path: segments separated by NUL bytes. */
function splitPath(path: Uint8Array): string[] {
  const text = new TextDecoder().decode(path);
  const segments = text.split("\0");
  if (segments[segments.length - 1] === "") segments.pop();
  return segments;
}
