// Which bytes a proxy_get_buffer_bytes / proxy_set_buffer_bytes call reaches (envoy context.cc
// getBuffer, Buffer::copyFrom): undefined means NOT_FOUND. Body buffers outside their callback are
// present but empty; plugin configuration exists only during on_configure; an HTTP-call body only
// during a successful on_http_call_response.
import { BufferType, Status } from "./abi.js";
import type { ContextState, RootContextState } from "./contexts.js";

export interface BufferView {
  readonly bytes: Uint8Array;
  /** Envoy's Buffer::copyFrom; absent for read-only buffers (BAD_ARGUMENT). */
  readonly write?: (start: number, length: number, data: Uint8Array) => Status;
}

export interface BufferSources {
  readonly vmConfiguration: Uint8Array;
  readonly pluginConfiguration: Uint8Array;
}

const EMPTY = new Uint8Array();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Envoy's rules for writing into a live body buffer. */
function copyFrom(
  current: Uint8Array,
  start: number,
  length: number,
  data: Uint8Array,
  store: (bytes: Uint8Array) => void,
): Status {
  if (start === 0) {
    if (length === 0) {
      store(concat(data, current));
      return Status.Ok;
    }
    if (length >= current.length) {
      store(data.slice());
      return Status.Ok;
    }
    return Status.BadArgument;
  }
  if (start >= current.length) {
    store(concat(current, data));
    return Status.Ok;
  }
  return Status.BadArgument;
}

export function bufferFor(
  context: ContextState,
  root: RootContextState,
  type: number,
  sources: BufferSources,
): BufferView | undefined {
  switch (type) {
    case BufferType.VmConfiguration:
      return { bytes: sources.vmConfiguration };
    case BufferType.PluginConfiguration:
      return root.pluginConfigurationVisible && context === root ? { bytes: sources.pluginConfiguration } : undefined;
    case BufferType.HttpRequestBody: {
      if (context.kind === "stream" && context.requestBody !== undefined) {
        const stream = context;
        return {
          bytes: stream.requestBody ?? EMPTY,
          write: (start, length, data) =>
            copyFrom(stream.requestBody ?? EMPTY, start, length, data, (bytes) => (stream.requestBody = bytes)),
        };
      }
      return { bytes: EMPTY };
    }
    case BufferType.HttpResponseBody: {
      if (context.kind === "stream" && context.responseBody !== undefined) {
        const stream = context;
        return {
          bytes: stream.responseBody ?? EMPTY,
          write: (start, length, data) =>
            copyFrom(stream.responseBody ?? EMPTY, start, length, data, (bytes) => (stream.responseBody = bytes)),
        };
      }
      return { bytes: EMPTY };
    }
    case BufferType.DownstreamData:
    case BufferType.UpstreamData:
    case BufferType.CallData:
      return { bytes: EMPTY };
    case BufferType.HttpCallResponseBody:
      return root.httpCallResponse ? { bytes: root.httpCallResponse.body } : undefined;
    case BufferType.GrpcReceiveBuffer: {
      if (root.grpcReceiveBuffer === undefined) return { bytes: EMPTY };
      return {
        bytes: root.grpcReceiveBuffer,
        write: (start, length, data) =>
          copyFrom(root.grpcReceiveBuffer ?? EMPTY, start, length, data, (bytes) => (root.grpcReceiveBuffer = bytes)),
      };
    }
    default:
      return undefined;
  }
}
