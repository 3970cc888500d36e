// An Envoy that answers every request itself: the cheapest possible upstream, so that a benchmark
// measures the proxy in front of it and not the service behind it.

export interface DirectResponseOptions {
  body: string;
  /** The body's bytes instead, for a binary answer (a gRPC message). */
  bodyBytes?: Buffer;
  contentType?: string;
  /** More response headers (grpc-status for a gRPC answer). */
  headers?: Record<string, string>;
  listenerPort?: number;
}

export function renderDirectResponseBootstrap(options: DirectResponseOptions): Record<string, unknown> {
  return {
    node: { id: "shadowdiff-direct-response", cluster: "shadowdiff" },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: "ingress",
          address: { socket_address: { address: "127.0.0.1", port_value: options.listenerPort ?? 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type":
                      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "direct",
                    route_config: {
                      virtual_hosts: [
                        {
                          name: "all",
                          domains: ["*"],
                          routes: [
                            {
                              match: { prefix: "/" },
                              direct_response: {
                                status: 200,
                                body: options.bodyBytes === undefined ? { inline_string: options.body } : { inline_bytes: options.bodyBytes.toString("base64") },
                              },
                              response_headers_to_add: [
                                { header: { key: "content-type", value: options.contentType ?? "application/json" } },
                                ...Object.entries(options.headers ?? {}).map(([key, value]) => ({ header: { key, value } })),
                              ],
                            },
                          ],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: "envoy.filters.http.router",
                        typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}
