// env.proxy_*_header_map_*: Envoy's results for each map type and moment (map-access.ts), and the
// serialized pairs format (pairs.ts). proxy-wasm-cpp-host src/exports.cc does the marshalling.
import { MAP_TYPE_MAX, Status } from "./abi.js";
import { u, utf8, type HostCallEnv, type HostFunction } from "./host-call-env.js";
import { mutableMap, readableMap } from "./map-access.js";
import { decodePairs, encodePairs } from "./pairs.js";

export function createHeaderImports(env: HostCallEnv): Record<string, HostFunction> {
  const mem = () => env.memory;

  const proxy_get_header_map_value = (
    type: number,
    keyPointer: number,
    keySize: number,
    valuePointer: number,
    valueSize: number,
  ): number => {
    if (u(type) > MAP_TYPE_MAX) return Status.BadArgument;
    const key = mem().readString(u(keyPointer), u(keySize));
    if (key === undefined) return Status.InvalidMemoryAccess;
    const context = env.context();
    const map = readableMap(context, env.rootOf(context), u(type));
    if (!map) {
      return context.kind === "stream" && context.accessLogPhase ? Status.NotFound : Status.BadArgument;
    }
    const value = map.get(key);
    if (value === undefined) return Status.NotFound;
    return mem().copyOut(utf8.encode(value), u(valuePointer), u(valueSize)) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_get_header_map_pairs = (type: number, pointerPointer: number, sizePointer: number): number => {
    if (u(type) > MAP_TYPE_MAX) return Status.BadArgument;
    const context = env.context();
    const map = readableMap(context, env.rootOf(context), u(type));
    const pairs = map ? map.pairs() : [];
    // An empty map is an empty buffer (pointer 0, size 0), not a zero count.
    const bytes = pairs.length === 0 ? new Uint8Array() : encodePairs(pairs);
    return mem().copyOut(bytes, u(pointerPointer), u(sizePointer)) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  const proxy_set_header_map_pairs = (type: number, pointer: number, size: number): number => {
    if (u(type) > MAP_TYPE_MAX) return Status.BadArgument;
    const data = mem().read(u(pointer), u(size));
    if (data === undefined) return Status.InvalidMemoryAccess;
    const map = mutableMap(env.context(), u(type));
    if (!map) return Status.BadArgument;
    map.setAll(decodePairs(data));
    return Status.Ok;
  };

  const withMutableMap =
    (apply: (map: NonNullable<ReturnType<typeof mutableMap>>, key: string, value: string) => void, hasValue: boolean) =>
    (type: number, keyPointer: number, keySize: number, valuePointer = 0, valueSize = 0): number => {
      if (u(type) > MAP_TYPE_MAX) return Status.BadArgument;
      const key = mem().readString(u(keyPointer), u(keySize));
      const value = hasValue ? mem().readString(u(valuePointer), u(valueSize)) : "";
      if (key === undefined || value === undefined) return Status.InvalidMemoryAccess;
      const map = mutableMap(env.context(), u(type));
      if (!map) return Status.BadArgument;
      apply(map, key, value);
      return Status.Ok;
    };

  const proxy_add_header_map_value = withMutableMap((map, key, value) => map.add(key, value), true);
  const proxy_replace_header_map_value = withMutableMap((map, key, value) => map.replace(key, value), true);
  const proxy_remove_header_map_value = withMutableMap((map, key) => map.remove(key), false);

  const proxy_get_header_map_size = (type: number, sizePointer: number): number => {
    if (u(type) > MAP_TYPE_MAX) return Status.BadArgument;
    const map = mutableMap(env.context(), u(type));
    if (!map) return Status.BadArgument;
    return mem().writeU32(u(sizePointer), map.byteSize()) ? Status.Ok : Status.InvalidMemoryAccess;
  };

  return {
    proxy_get_header_map_value,
    proxy_get_header_map_pairs,
    proxy_set_header_map_pairs,
    proxy_add_header_map_value,
    proxy_replace_header_map_value,
    proxy_remove_header_map_value,
    proxy_get_header_map_size,
  } as unknown as Record<string, HostFunction>;
}
