// proxy_get_property values. Envoy answers the path's segments (NUL-separated) from its CEL
// activation and a few wasm-specific names (context.cc findValue); strings come back as raw bytes.
// Envoy 1.39 has the node under xds.node ("xds\0node\0id"); "node\0id" answers NOT_FOUND there
// (checked on the real binary), so it is absent here too unless a test sets it.

export type PropertyValue = string | Uint8Array;

export const DEFAULT_PROPERTIES: Readonly<Record<string, PropertyValue>> = {
  "xds.node.id": "shadowdiff-test-node",
  "xds.node.cluster": "shadowdiff-test",
  plugin_name: "shadowdiff",
  plugin_root_id: "",
  plugin_vm_id: "",
};

export class PropertyTable {
  private readonly values = new Map<string, Uint8Array>();

  constructor(...layers: ReadonlyArray<Readonly<Record<string, PropertyValue>> | undefined>) {
    for (const layer of layers) {
      if (!layer) continue;
      for (const [path, value] of Object.entries(layer)) this.set(path, value);
    }
  }

  set(path: string, value: PropertyValue): void {
    this.values.set(path, typeof value === "string" ? new TextEncoder().encode(value) : value);
  }

  /** The value at the path's segments, or undefined (NOT_FOUND). */
  lookup(segments: readonly string[]): Uint8Array | undefined {
    return this.values.get(segments.join("."));
  }
}

/**
 * The request attributes Envoy's CEL activation derives from a stream's request headers
 * (request.path, request.url_path, request.host, request.method, request.scheme, request.id).
 * Only a stream context has them.
 */
export function requestAttribute(request: { get(name: string): string | undefined }, segments: readonly string[]): string | undefined {
  if (segments.length !== 2 || segments[0] !== "request") return undefined;
  const path = request.get(":path");
  switch (segments[1]) {
    case "path":
      return path;
    case "url_path":
      return path?.split("?")[0];
    case "host":
      return request.get(":authority");
    case "method":
      return request.get(":method");
    case "scheme":
      return request.get(":scheme");
    case "id":
      return request.get("x-request-id");
    default:
      return undefined;
  }
}
