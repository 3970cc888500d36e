// shadowdiff's module that also receives request bodies (build/shadowdiff-bodies.wasm), for
// configurations with request_bodies: the same filter as index.ts, plus the request body and
// trailer callbacks and what uses them (request-bodies.ts). Envoy calls those callbacks for every
// request with a body, mirrored or not, so the default module leaves them out, and knows no
// request_bodies key.
import { setAbortPrefix } from "./abi/abort";
import { receiveRequestBodies } from "./filter/request-bodies";

setAbortPrefix("shadowdiff");
receiveRequestBodies();

export {
  proxy_abi_version_0_2_1, malloc, proxy_on_memory_allocate,
  proxy_on_context_create, proxy_on_vm_start, proxy_on_configure, proxy_on_tick, proxy_on_done, proxy_on_delete,
  proxy_on_request_headers, proxy_on_request_body, proxy_on_request_trailers,
  proxy_on_response_headers, proxy_on_response_body, proxy_on_response_trailers,
  proxy_on_http_call_response, proxy_on_grpc_receive, proxy_on_grpc_close,
} from "./abi/dispatcher";
