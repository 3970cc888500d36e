// An in-process proxy-wasm 0.2.1 host with Envoy's semantics, for testing a compiled filter
// (.wasm) without Envoy: the role proxytest plays for the Go SDK. See README.md for the API.
// This file wires the parts together and is the API tests use.
import { randomFillSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { LogLevel, StreamType, Status, type LogLevelName } from "./abi.js";
import { TokenAllocator, toBytes, type GrpcCall, type HttpCall, type HttpCallResponse } from "./callouts.js";
import { FakeClock } from "./clock.js";
import { ContextRegistry, type ContextState, type RootContextState } from "./contexts.js";
import { createEnvImports, type HostCallEnv } from "./env-imports.js";
import { ImportRejectedError, LifecycleError } from "./errors.js";
import { GrpcCallouts } from "./grpc-callouts.js";
import { HttpCallouts, type HttpCallFailure } from "./http-callouts.js";
import { importProblems } from "./import-policy.js";
import { LogBook, type LogEntry } from "./log-book.js";
import { MetricStore, type MetricSnapshot } from "./metrics.js";
import { DEFAULT_PROPERTIES, PropertyTable, requestAttribute, type PropertyValue } from "./properties.js";
import { HttpStream } from "./stream.js";
import { TickTimer, TimerSequence, earliestDue } from "./timers.js";
import { WasmVm, type CallCounts } from "./vm.js";
import { createWasiImports } from "./wasi-imports.js";
import { readModuleImports } from "./wasm-binary.js";

export type { LogEntry } from "./log-book.js";
export type { HttpCallFailure } from "./http-callouts.js";
export type { CallCounts } from "./vm.js";

export interface LoadOptions {
  /** Cluster names Envoy knows; proxy_http_call / proxy_grpc_call to any other fail as in Envoy. */
  clusters?: readonly string[];
  /** proxy_get_property answers by dotted path ("xds.node.id"), over DEFAULT_PROPERTIES. */
  properties?: Readonly<Record<string, PropertyValue>>;
  /** The VM configuration (vm_config.configuration), readable as BufferType.VmConfiguration. */
  vmConfiguration?: string | Uint8Array;
  /** What proxy_get_log_level answers; Envoy's default is info. */
  logLevel?: LogLevelName;
  /** Realtime clock start, ms since the epoch (default 2026-01-01T00:00:00Z). */
  realtimeStartMs?: number;
  /** Source for WASI random_get (default: crypto random). */
  randomBytes?: (size: number) => Uint8Array;
  /**
   * "auto" (default): advanceClock() times out callouts whose timeout elapses, as Envoy's router
   * does. "manual": only timeoutHttpCall()/timeoutGrpc() end them.
   */
  timeouts?: "auto" | "manual";
}

const DEFAULT_REALTIME_START_MS = Date.UTC(2026, 0, 1);
const LOG_LEVEL_NUMBERS: Readonly<Record<LogLevelName, number>> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warn,
  error: LogLevel.Error,
  critical: LogLevel.Critical,
};

class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code}) called (Envoy only logs this and returns)`);
    this.name = "ProcExit";
  }
}

export class ProxyWasmHost {
  private readonly logBook = new LogBook();
  private readonly contexts = new ContextRegistry();
  private readonly clock: FakeClock;
  private readonly metricStore = new MetricStore();
  private readonly properties: PropertyTable;
  private readonly clusters: ReadonlySet<string>;
  private readonly vmConfig: Uint8Array;
  private pluginConfig: Uint8Array = new Uint8Array();
  private readonly sequence = new TimerSequence();
  /** Each root context's tick timer (Envoy's Wasm::timer_, keyed by root context id). */
  private readonly ticks = new Map<number, TickTimer>();
  private readonly http: HttpCallouts;
  private readonly grpc: GrpcCallouts;
  private vm!: WasmVm;
  private started = false;

  private constructor(
    private readonly label: string,
    private readonly options: LoadOptions,
  ) {
    this.clock = new FakeClock(options.realtimeStartMs ?? DEFAULT_REALTIME_START_MS);
    this.properties = new PropertyTable(DEFAULT_PROPERTIES, options.properties);
    this.clusters = new Set(options.clusters ?? []);
    this.vmConfig = toBytes(options.vmConfiguration);
    const tokens = new TokenAllocator();
    const vm = () => this.vm;
    this.http = new HttpCallouts(vm, this.contexts, this.clusters, this.clock, tokens, this.sequence);
    this.grpc = new GrpcCallouts(vm, this.contexts, this.clusters, this.clock, tokens, this.sequence);
  }

  /**
   * Compiles the module, refuses it if Envoy would (an import Envoy does not provide or with another
   * signature, no proxy_abi_version_0_2_1 export, no malloc / proxy_on_memory_allocate), and runs
   * _initialize (or _start) with Envoy's restrictions on host calls.
   */
  static async load(wasmPath: string, options: LoadOptions = {}): Promise<ProxyWasmHost> {
    return ProxyWasmHost.fromBytes(await readFile(wasmPath), options, wasmPath);
  }

  static async fromBytes(bytes: Uint8Array, options: LoadOptions = {}, label = "module"): Promise<ProxyWasmHost> {
    const problems = importProblems(readModuleImports(bytes));
    if (problems.length > 0) throw new ImportRejectedError(label, problems);
    const module = await WebAssembly.compile(new Uint8Array(bytes));
    const exportNames = new Set(WebAssembly.Module.exports(module).map((entry) => entry.name));
    if (!exportNames.has("proxy_abi_version_0_2_1")) {
      throw new LifecycleError(`${label} does not export proxy_abi_version_0_2_1 (Envoy: missing or unknown ABI version)`);
    }
    if (!exportNames.has("malloc") && !exportNames.has("proxy_on_memory_allocate")) {
      throw new LifecycleError(`${label}: Wasm module is missing malloc function (nor proxy_on_memory_allocate)`);
    }
    const host = new ProxyWasmHost(label, options);
    host.vm = await WasmVm.start(module, host.contexts, host.logBook, (vm) => ({
      env: createEnvImports(host.hostCallEnv(vm)),
      wasi_snapshot_preview1: host.wasiImports(vm),
      wasi_unstable: host.wasiImports(vm),
    }));
    return host;
  }

  private wasiImports(vm: WasmVm) {
    return createWasiImports({
      get memory() {
        return vm.memory;
      },
      log: (level, message) => this.logBook.add(level, message),
      realtimeNanos: () => this.clock.realtimeNanos(),
      monotonicNanos: () => this.clock.monotonicNanos(),
      randomBytes: (size) => (this.options.randomBytes ? this.options.randomBytes(size) : randomFillSync(new Uint8Array(size))),
      procExit: (code) => {
        throw new ProcExit(code);
      },
    });
  }

  private hostCallEnv(vm: WasmVm): HostCallEnv {
    const host = this;
    return {
      get memory() {
        return vm.memory;
      },
      metrics: this.metricStore,
      logLevel: LOG_LEVEL_NUMBERS[this.options.logLevel ?? "info"],
      vmConfiguration: this.vmConfig,
      get pluginConfiguration() {
        return host.pluginConfig;
      },
      context: () => vm.context(),
      rootOf: (context) => this.contexts.rootOf(context),
      setEffectiveContext: (id) => vm.setEffectiveContext(id),
      log: (level, message) => this.logBook.add(level, message),
      realtimeNanos: () => this.clock.realtimeNanos(),
      property: (context, path) => this.property(context, path),
      httpCall: (root, cluster, headers, body, trailers, timeoutMs) =>
        this.http.start(root, cluster, headers, body, trailers, timeoutMs),
      grpcCall: (root, service, serviceName, method, metadata, message, timeoutMs) =>
        this.grpc.start(root, service, serviceName, method, metadata, message, timeoutMs),
      grpcCancel: (_root, token) => this.grpc.cancel(token),
      setTickPeriod: (root, periodMs) => this.tickTimer(root).setPeriod(periodMs, this.clock.nowMs()),
      done: (context) => this.proxyDone(context),
      continueStream: (context, type) => this.continueStream(context, type),
      closeStream: (context, type) => {
        if (context.kind === "stream") context.closeCalls.push(type as StreamType);
        return Status.Ok;
      },
      sendLocalResponse: (context, status, details, body, headers, grpcStatus) => {
        if (context.kind !== "stream") return;
        context.localResponse = { status, details, body, headers: headers.map(([k, v]) => [k.toLowerCase(), v]), grpcStatus };
      },
    };
  }

  private property(context: ContextState, path: string[]): Uint8Array | undefined {
    const configured = this.properties.lookup(path);
    if (configured !== undefined || context.kind !== "stream") return configured;
    // Envoy builds request attributes from the headers it can reach at that moment.
    if (!context.requestHeadersVisible && !context.accessLogPhase) return undefined;
    const attribute = requestAttribute(context.request, path);
    return attribute === undefined ? undefined : new TextEncoder().encode(attribute);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Envoy's plugin start: proxy_on_context_create(root, 0), proxy_on_vm_start(root, vm config size),
   * then proxy_on_configure(root, plugin config size). True when both vm start and configure
   * succeed. The plugin configuration is readable only during proxy_on_configure.
   */
  start(pluginConfiguration: string | Uint8Array = ""): boolean {
    if (this.started) throw new LifecycleError("start() was already called");
    this.started = true;
    return this.startRoot(this.contexts.root, pluginConfiguration);
  }

  /**
   * Envoy's answer to a changed plugin configuration in the same VM (the same vm_id, code and VM
   * configuration): a new root context, the next context id, started as start() starts the first
   * (proxy_on_context_create, proxy_on_vm_start, proxy_on_configure). Streams made afterwards
   * belong to it; the older roots keep running until retire(). True when it started.
   */
  reconfigure(pluginConfiguration: string | Uint8Array): boolean {
    this.requireStarted("reconfigure");
    return this.startRoot(this.contexts.addRoot(), pluginConfiguration);
  }

  private startRoot(root: RootContextState, pluginConfiguration: string | Uint8Array): boolean {
    this.pluginConfig = toBytes(pluginConfiguration);
    root.pluginConfigurationVisible = true;
    try {
      this.vm.invoke("proxy_on_context_create", root, [root.id, 0], 0);
    } finally {
      root.pluginConfigurationVisible = false;
    }
    const vmStarted = this.vm.invoke("proxy_on_vm_start", root, [root.id, this.vmConfig.length], 1) !== 0;
    if (!vmStarted) return false;
    root.pluginConfigurationVisible = true;
    try {
      return this.vm.invoke("proxy_on_configure", root, [root.id, this.pluginConfig.length], 1) !== 0;
    } finally {
      root.pluginConfigurationVisible = false;
    }
  }

  /** A new downstream HTTP stream; its context is created at its first callback, as in Envoy. */
  newStream(): HttpStream {
    this.requireStarted("newStream");
    return new HttpStream(
      {
        invoke: (callback, context, args, fallback) => this.vm.invoke(callback, context, args, fallback),
        createContext: (context) => {
          this.contexts.add(context);
          this.vm.invoke("proxy_on_context_create", context, [context.id, context.rootId], 0);
        },
        removeContext: (context) => this.contexts.remove(context),
      },
      this.contexts.newStream(),
    );
  }

  /**
   * Plugin shutdown: proxy_on_done on the newest root; if it returns true, proxy_on_delete at once,
   * otherwise the root waits for proxy_done. Returns whether the root was deleted.
   */
  shutdown(): boolean {
    this.requireStarted("shutdown");
    return this.retire(this.contexts.root.id);
  }

  /**
   * A root whose plugin configuration was replaced, once its last stream has ended
   * (WasmBase::startShutdown(plugin_key)): proxy_on_done; if it returns true, proxy_on_delete at
   * once, otherwise the root lives on, its callouts and ticks still delivered, until it calls
   * proxy_done. Deleting a root cancels its pending callouts. Returns whether it was deleted.
   */
  retire(rootId: number): boolean {
    const root = this.contexts.get(rootId);
    if (root?.kind !== "root" || root === this.contexts.vm) throw new LifecycleError(`retire(${rootId}): no such root context`);
    if (root.pendingDone) throw new LifecycleError(`retire(${rootId}): the root is already waiting to finish`);
    if (this.vm.invoke("proxy_on_done", root, [root.id], 1) === 0) {
      root.pendingDone = true;
      return false;
    }
    this.deleteRoot(root);
    return true;
  }

  /** Ids of the root contexts not deleted yet, oldest first. */
  get liveRootIds(): number[] {
    return this.contexts.roots().map((root) => root.id);
  }

  private proxyDone(context: ContextState): Status {
    // WasmBase::done: only a root context that answered false to proxy_on_done may finish.
    if (context.kind !== "root" || !context.pendingDone) return Status.NotFound;
    context.pendingDone = false;
    this.vm.afterCall(() => this.deleteRoot(context));
    return Status.Ok;
  }

  private deleteRoot(root: RootContextState): void {
    this.vm.invoke("proxy_on_delete", root, [root.id], 0);
    this.contexts.remove(root);
    this.ticks.delete(root.id);
    this.http.cancelAllOf(root);
    this.grpc.cancelAllOf(root);
  }

  private continueStream(context: ContextState, type: number): Status {
    if (type === StreamType.Upstream) return Status.Unimplemented;
    if (context.kind === "stream") {
      context.continueCalls.push(type as StreamType);
      if (type === StreamType.HttpRequest || type === StreamType.HttpResponse) {
        // Envoy's continueStream drops its request-side pointers whichever direction resumes.
        context.requestHeadersVisible = false;
        context.requestBody = undefined;
        context.requestTrailersVisible = false;
      }
    }
    return Status.Ok;
  }

  private requireStarted(what: string): void {
    if (!this.started) throw new LifecycleError(`${what}() before start()`);
  }

  // ---- time ----------------------------------------------------------------------------------

  private tickTimer(root: RootContextState): TickTimer {
    let timer = this.ticks.get(root.id);
    if (!timer) {
      timer = new TickTimer(this.sequence);
      this.ticks.set(root.id, timer);
    }
    return timer;
  }

  /** The period the newest root asked for with proxy_set_tick_period_milliseconds (0: no ticks). */
  get tickPeriodMs(): number {
    return this.ticks.get(this.contexts.root.id)?.periodMs ?? 0;
  }

  /** Fires proxy_on_tick on the newest root now, as the timer would, and re-arms the timer. */
  tick(): void {
    this.requireStarted("tick");
    const root = this.contexts.root;
    const timer = this.ticks.get(root.id);
    if (!timer || timer.periodMs <= 0) throw new LifecycleError("tick(): the module set no tick period, so Envoy would never tick");
    timer.arm(this.clock.nowMs());
    this.fireTick(root);
  }

  private fireTick(root: RootContextState): void {
    this.vm.invoke("proxy_on_tick", root, [root.id], 0);
  }

  /**
   * Moves both clocks forward. On the way, fires every tick that falls due (every live root's) and
   * (timeouts "auto") times out every callout whose timeout elapses, in time order, as Envoy's
   * timers would.
   */
  advanceClock(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advanceClock(${ms}): the clock only moves forward`);
    const target = this.clock.nowMs() + ms;
    for (;;) {
      const timeouts = this.options.timeouts === "manual" ? [] : [...this.http.dueTimeouts(), ...this.grpc.dueTimeouts()];
      const ticks = this.started
        ? this.contexts.roots().map((root) => this.ticks.get(root.id)?.due(() => this.fireTick(root)))
        : [];
      const next = earliestDue([...timeouts, ...ticks], target);
      if (!next) break;
      this.clock.advance(Math.max(0, next.at - this.clock.nowMs()));
      next.fire();
    }
    this.clock.advance(Math.max(0, target - this.clock.nowMs()));
  }

  /** Nanoseconds on the realtime clock (what proxy_get_current_time_nanoseconds answers). */
  get nowNanos(): bigint {
    return this.clock.realtimeNanos();
  }

  // ---- logs --------------------------------------------------------------------------------------

  /** Every proxy_log line and stdout/stderr write, in order. */
  get logs(): LogEntry[] {
    return this.logBook.entries;
  }

  // ---- HTTP callouts ---------------------------------------------------------------------------

  /** Every proxy_http_call Envoy accepted, in order. */
  get httpCalls(): HttpCall[] {
    return this.http.calls;
  }

  /** The HTTP call with this token (throws if there is none). */
  httpCall(token: number): HttpCall {
    return this.http.find(token);
  }

  /** Delivers a response: proxy_on_http_call_response(root, token, headers, body size, trailers). */
  respondHttpCall(token: number, response: HttpCallResponse): void {
    this.http.respond(token, response);
  }

  /**
   * The AsyncClient failed the request (stream reset, or response over the buffer limit):
   * proxy_on_http_call_response with 0 headers, 0 body, 0 trailers, and proxy_get_status answers
   * 11 (BrokenConnection) "reset" during the callback (only the code stays afterwards).
   */
  failHttpCall(token: number, reason: HttpCallFailure = "reset"): void {
    this.http.fail(token, reason);
  }

  /** The call's timeout elapsed: Envoy's router answers 504 "upstream request timeout". */
  timeoutHttpCall(token: number): void {
    this.http.timeout(token);
  }

  /** The cluster's endpoint refused the connection: Envoy's router answers 503. */
  refuseHttpCall(token: number): void {
    this.http.refuse(token);
  }

  // ---- gRPC callouts --------------------------------------------------------------------------

  /** Every proxy_grpc_call that got a token, in order. */
  get grpcCalls(): GrpcCall[] {
    return this.grpc.calls;
  }

  /** The gRPC call with this token (throws if there is none). */
  grpcCall(token: number): GrpcCall {
    return this.grpc.find(token);
  }

  /**
   * A unary call succeeded: proxy_on_grpc_receive(root, token, size) with the message readable as
   * BufferType.GrpcReceiveBuffer. Envoy sends no proxy_on_grpc_close after a unary success.
   */
  respondGrpc(token: number, message: string | Uint8Array): void {
    this.grpc.respond(token, message);
  }

  /**
   * The call failed with a gRPC status: proxy_on_grpc_close(root, token, status), with
   * proxy_get_status answering (status, message) during the callback.
   */
  failGrpc(token: number, status: number, message = ""): void {
    this.grpc.fail(token, status, message);
  }

  /** The call's timeout elapsed: status 14 UNAVAILABLE "upstream request timeout{response_timeout}". */
  timeoutGrpc(token: number): void {
    this.grpc.timeout(token);
  }

  // ---- metrics ----------------------------------------------------------------------------------

  /** A counter's or gauge's value by the name the module defined (throws if none). */
  metric(name: string): number {
    const metric = this.metricStore.find(name).find((candidate) => candidate.kind !== "histogram");
    if (!metric) throw new Error(`no counter or gauge named ${name} was defined`);
    return metric.value;
  }

  /** The values recorded into a histogram (throws if none). */
  histogram(name: string): number[] {
    const metric = this.metricStore.find(name).find((candidate) => candidate.kind === "histogram");
    if (!metric) throw new Error(`no histogram named ${name} was defined`);
    return metric.samples;
  }

  /** Every defined metric with its kind and value. */
  metrics(): MetricSnapshot[] {
    return this.metricStore.snapshot();
  }

  // ---- state ------------------------------------------------------------------------------------

  /** proxy_get_status as the root would see it now. */
  /** Calls across the VM boundary since load, by name: a snapshot (subtract two to count one request's). */
  callCounts(): CallCounts {
    return this.vm.callCounts();
  }

  get rootStatus(): { code: number; message: string } {
    return { code: this.contexts.root.statusCode, message: this.contexts.root.statusMessage };
  }

  get rootContextId(): number {
    return this.contexts.root.id;
  }

  toString(): string {
    return `ProxyWasmHost(${this.label})`;
  }
}
