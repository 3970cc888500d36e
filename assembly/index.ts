// shadowdiff's proxy-wasm module: the ABI callbacks it uses, with the filter's root context
// behind them. Top-level code runs during _initialize, when Envoy allows no host call: it only
// names the plugin and wires the factory.
import { setAbortPrefix } from "./abi/abort";
import { setRootContextFactory } from "./abi/dispatcher";
import { createShadowRoot } from "./filter/root";

// Only the callbacks the filter uses: Envoy skips one the module does not export, so no request
// body, request trailers, access log or gRPC metadata ever crosses into the VM.
export {
  proxy_abi_version_0_2_1, malloc, proxy_on_memory_allocate,
  proxy_on_context_create, proxy_on_vm_start, proxy_on_configure, proxy_on_tick, proxy_on_done, proxy_on_delete,
  proxy_on_request_headers, proxy_on_response_headers, proxy_on_response_body, proxy_on_response_trailers,
  proxy_on_http_call_response, proxy_on_grpc_receive, proxy_on_grpc_close,
} from "./abi/dispatcher";

setAbortPrefix("shadowdiff");
setRootContextFactory(createShadowRoot);
