// The in-process proxy-wasm host for shadowdiff's filter tests. See README.md.
export { ProxyWasmHost, type LoadOptions, type LogEntry, type HttpCallFailure, type CallCounts } from "./host.js";
export { HttpStream } from "./stream.js";
export { HeaderMap } from "./header-map.js";
export {
  Action,
  BufferType,
  GrpcStatus,
  LogLevel,
  MapType,
  MetricType,
  Status,
  StreamType,
  WasiClock,
  WasiErrno,
  type LogLevelName,
} from "./abi.js";
export {
  GRPC_TIMEOUT_MESSAGE,
  ROUTER_LOCAL_REPLIES,
  localReplyResponse,
  type GrpcCall,
  type HttpCall,
  type HttpCallResponse,
} from "./callouts.js";
export { encodePairs, decodePairs, type HeaderPair } from "./pairs.js";
export { ImportRejectedError, WasmTrapError, RestrictedCallError, HostCallNotModelledError, LifecycleError } from "./errors.js";
export { readModuleImports, type ModuleImport } from "./wasm-binary.js";
export { importProblems } from "./import-policy.js";
export type { MetricSnapshot } from "./metrics.js";
