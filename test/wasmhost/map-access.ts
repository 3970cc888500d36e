// Which header map a proxy_*_header_map_* call reaches, with Envoy's rules (context.cc getMap for
// writes and getHeaderMapSize, getConstMap for reads). undefined means "not available now".
import { MapType } from "./abi.js";
import type { ContextState, RootContextState } from "./contexts.js";
import { HeaderMap } from "./header-map.js";

export function mutableMap(context: ContextState, type: number): HeaderMap | undefined {
  if (context.kind !== "stream") return undefined;
  switch (type) {
    case MapType.HttpRequestHeaders:
      return context.requestHeadersVisible ? context.request : undefined;
    case MapType.HttpRequestTrailers:
      if (context.requestTrailersVisible) return context.requestTrailers;
      // Envoy adds request trailers when asked for them during the last body chunk.
      if (context.requestBody !== undefined && context.endOfStream && !context.accessLogPhase) {
        context.requestTrailers = new HeaderMap();
        context.requestTrailersVisible = true;
        return context.requestTrailers;
      }
      return undefined;
    case MapType.HttpResponseHeaders:
      return context.responseHeadersVisible ? context.response : undefined;
    case MapType.HttpResponseTrailers:
      if (context.responseTrailersVisible) return context.responseTrailers;
      if (context.responseBody !== undefined && context.endOfStream && !context.accessLogPhase) {
        context.responseTrailers = new HeaderMap();
        context.responseTrailersVisible = true;
        return context.responseTrailers;
      }
      return undefined;
    default:
      return undefined;
  }
}

export function readableMap(context: ContextState, root: RootContextState, type: number): HeaderMap | undefined {
  switch (type) {
    case MapType.HttpRequestHeaders:
      if (context.kind !== "stream") return undefined;
      if (context.accessLogPhase) return context.request;
      return context.requestHeadersVisible ? context.request : undefined;
    case MapType.HttpRequestTrailers:
      if (context.kind !== "stream" || context.accessLogPhase) return undefined;
      return context.requestTrailersVisible ? context.requestTrailers : undefined;
    case MapType.HttpResponseHeaders:
      if (context.kind !== "stream") return undefined;
      if (context.accessLogPhase) return context.responseHeadersSeen ? context.response : undefined;
      return context.responseHeadersVisible ? context.response : undefined;
    case MapType.HttpResponseTrailers:
      if (context.kind !== "stream") return undefined;
      if (context.accessLogPhase) return context.responseTrailers;
      return context.responseTrailersVisible ? context.responseTrailers : undefined;
    case MapType.GrpcReceiveInitialMetadata:
    case MapType.GrpcReceiveTrailingMetadata:
      // Unary calls never deliver metadata callbacks, so these maps are never set.
      return undefined;
    case MapType.HttpCallResponseHeaders:
      return root.httpCallResponse?.headers;
    case MapType.HttpCallResponseTrailers:
      return root.httpCallResponse?.trailers;
    default:
      return undefined;
  }
}
