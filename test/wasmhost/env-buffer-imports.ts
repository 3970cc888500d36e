// env.proxy_*_buffer_*: reads clamp start and length to the buffer (exports.cc get_buffer_bytes),
// writes follow Envoy's Buffer::copyFrom (buffer-access.ts).
import { BUFFER_TYPE_MAX, Status } from "./abi.js";
import { bufferFor } from "./buffer-access.js";
import { u, type HostCallEnv, type HostFunction } from "./host-call-env.js";

export function createBufferImports(env: HostCallEnv): Record<string, HostFunction> {
  const mem = () => env.memory;

  const proxy_get_buffer_bytes = (
    type: number,
    start: number,
    length: number,
    pointerPointer: number,
    sizePointer: number,
  ): number => {
    if (u(type) > BUFFER_TYPE_MAX) return Status.BadArgument;
    const context = env.context();
    const buffer = bufferFor(context, env.rootOf(context), u(type), env);
    if (!buffer) return Status.NotFound;
    const from = u(start);
    let count = u(length);
    const size = buffer.bytes.length;
    if (from > size) count = 0;
    else if (from + count > size) count = size - from;
    const slice = count === 0 ? new Uint8Array() : buffer.bytes.subarray(from, from + count);
    return mem().copyOut(slice, u(pointerPointer), u(sizePointer)) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_get_buffer_status = (type: number, lengthPointer: number, flagsPointer: number): number => {
    if (u(type) > BUFFER_TYPE_MAX) return Status.BadArgument;
    const context = env.context();
    const buffer = bufferFor(context, env.rootOf(context), u(type), env);
    if (!buffer) return Status.NotFound;
    return mem().writeU32(u(lengthPointer), buffer.bytes.length) && mem().writeU32(u(flagsPointer), 0)
      ? Status.Ok
      : Status.InvalidMemoryAccess;
  };

  const proxy_set_buffer_bytes = (type: number, start: number, length: number, pointer: number, size: number): number => {
    if (u(type) > BUFFER_TYPE_MAX) return Status.BadArgument;
    const context = env.context();
    const buffer = bufferFor(context, env.rootOf(context), u(type), env);
    if (!buffer) return Status.NotFound;
    const data = mem().read(u(pointer), u(size));
    if (data === undefined) return Status.InvalidMemoryAccess;
    return buffer.write ? buffer.write(u(start), u(length), data) : Status.BadArgument;
  };

  return {
    proxy_get_buffer_bytes,
    proxy_get_buffer_status,
    proxy_set_buffer_bytes,
  } as unknown as Record<string, HostFunction>;
}
