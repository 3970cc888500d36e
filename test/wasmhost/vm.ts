// The instantiated module and the rules for calling into it, as proxy-wasm-cpp-host applies them:
// which host calls are allowed while _initialize and malloc run (WasmBase::startVm, allocMemory),
// the current and effective context of each call (SaveRestoreContext), actions deferred until the
// outermost call returns (DeferAfterCallActions), and a failed VM after any trap.
import type { ContextRegistry, ContextState } from "./contexts.js";
import { HostCallNotModelledError, LifecycleError, RestrictedCallError, WasmTrapError } from "./errors.js";
import type { LogBook } from "./log-book.js";
import { ModuleMemory } from "./memory.js";
import { WASI_IMPORTS } from "./envoy-imports.js";

type HostFunction = (...args: never[]) => unknown;
type ExportedFunction = (...args: Array<number | bigint>) => number | bigint | undefined;

/** Host functions by import module and name; a missing one throws HostCallNotModelledError. */
export type HostFunctions = Record<string, Record<string, HostFunction | undefined>>;

const bothWasiModules = (names: string[]) =>
  names.flatMap((name) => [`wasi_snapshot_preview1.${name}`, `wasi_unstable.${name}`]);

/** WasmBase::startVm's allow-list while _initialize (and main) run. */
const INITIALIZE_ALLOWED: ReadonlySet<string> = new Set([
  "env.proxy_log",
  ...bothWasiModules([
    "fd_write",
    "args_sizes_get",
    "args_get",
    "environ_sizes_get",
    "environ_get",
    "clock_time_get",
    "clock_res_get",
    "random_get",
    "poll_oneoff",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
  ]),
  // "None of the following wasi functions should be called during initialization" but are allowed.
  ...bothWasiModules(
    Object.keys(WASI_IMPORTS).filter(
      (name) =>
        (name.startsWith("fd_") || name.startsWith("path_") || name.startsWith("sock_")) &&
        !["fd_read", "fd_seek", "fd_close", "path_open", "fd_prestat_get", "fd_prestat_dir_name"].includes(name),
    ),
  ),
]);

/** WasmBase::allocMemory's allow-list while malloc runs. */
const MALLOC_ALLOWED: ReadonlySet<string> = new Set([
  "env.proxy_log",
  ...bothWasiModules(["fd_write", "clock_time_get", "poll_oneoff"]),
]);

/**
 * Calls across the VM boundary, each one a cost in Envoy: `hostCalls` by import ("env.proxy_log",
 * "wasi_snapshot_preview1.random_get"), `moduleCalls` by export ("proxy_on_request_headers",
 * "malloc" for every block the host asked the module for).
 */
export interface CallCounts {
  hostCalls: Map<string, number>;
  moduleCalls: Map<string, number>;
}

function countCall(counts: Map<string, number>, name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

export class WasmVm {
  private instance!: WebAssembly.Instance;
  private moduleMemory!: ModuleMemory;
  private malloc!: ExportedFunction;
  private mallocName = "malloc";
  private restriction: { phase: string; allowed: ReadonlySet<string> } | undefined;
  private currentContext: ContextState;
  private effectiveContextId: number | undefined;
  private depth = 0;
  private afterCallActions: Array<() => void> = [];
  private logMark = 0;
  private failure: WasmTrapError | undefined;
  private readonly counts: CallCounts = { hostCalls: new Map(), moduleCalls: new Map() };

  private constructor(
    private readonly contexts: ContextRegistry,
    private readonly logs: LogBook,
  ) {
    this.currentContext = contexts.vm;
  }

  /**
   * Instantiates the module with the host functions `hostFunctions(vm)` returns, then runs
   * _initialize (then main or __main_void) or _start under Envoy's restrictions.
   */
  static async start(
    module: WebAssembly.Module,
    contexts: ContextRegistry,
    logs: LogBook,
    hostFunctions: (vm: WasmVm) => HostFunctions,
  ): Promise<WasmVm> {
    const vm = new WasmVm(contexts, logs);
    const functions = hostFunctions(vm);
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const entry of WebAssembly.Module.imports(module)) {
      const implementation = functions[entry.module]?.[entry.name];
      (imports[entry.module] ??= {})[entry.name] = vm.guard(`${entry.module}.${entry.name}`, implementation);
    }
    vm.instance = await WebAssembly.instantiate(module, imports);
    const exports = vm.instance.exports as Record<string, unknown>;
    const memory = exports["memory"];
    if (!(memory instanceof WebAssembly.Memory)) throw new LifecycleError("the module does not export its memory");
    vm.mallocName = exports["malloc"] !== undefined ? "malloc" : "proxy_on_memory_allocate";
    vm.malloc = exports[vm.mallocName] as ExportedFunction;
    vm.moduleMemory = new ModuleMemory(memory, (size) => vm.allocate(size));
    vm.runStart();
    return vm;
  }

  private runStart(): void {
    const vmContext = this.contexts.vm;
    this.restriction = { phase: "_initialize", allowed: INITIALIZE_ALLOWED };
    try {
      if (this.exported("_initialize")) {
        this.invoke("_initialize", vmContext, [], 0);
        if (this.exported("main")) this.invoke("main", vmContext, [0, 0], 0);
        else if (this.exported("__main_void")) this.invoke("__main_void", vmContext, [], 0);
      } else if (this.exported("_start")) {
        this.invoke("_start", vmContext, [], 0);
      }
    } finally {
      this.restriction = undefined;
    }
  }

  get memory(): ModuleMemory {
    return this.moduleMemory;
  }

  /** Applies Envoy's call restrictions and reports unmodelled calls. */
  private guard(name: string, implementation: HostFunction | undefined): HostFunction {
    return (...args: never[]) => {
      if (this.restriction && !this.restriction.allowed.has(name)) throw new RestrictedCallError(name, this.restriction.phase);
      if (!implementation) throw new HostCallNotModelledError(name);
      countCall(this.counts.hostCalls, name);
      return implementation(...args);
    };
  }

  private allocate(size: number): number {
    const saved = this.restriction;
    this.restriction = { phase: "malloc", allowed: MALLOC_ALLOWED };
    countCall(this.counts.moduleCalls, this.mallocName);
    try {
      return Number(this.malloc(size)) >>> 0;
    } finally {
      this.restriction = saved;
    }
  }

  /** Every call across the VM boundary since the module was loaded, by name. */
  callCounts(): CallCounts {
    return { hostCalls: new Map(this.counts.hostCalls), moduleCalls: new Map(this.counts.moduleCalls) };
  }

  exported(name: string): boolean {
    return typeof (this.instance.exports as Record<string, unknown>)[name] === "function";
  }

  /** True while a callback runs (host calls from the module land here). */
  get inCallback(): boolean {
    return this.depth > 0;
  }

  /**
   * Calls an export as Envoy does: `context` becomes current with no effective context, a trap
   * fails the VM for good, and deferred actions run once the outermost call returns. Returns
   * `fallback` when the module does not export the callback.
   */
  invoke(name: string, context: ContextState, args: number[], fallback: number): number {
    if (this.failure) throw new Error(`the VM failed earlier and takes no more calls: ${this.failure.message}`);
    const fn = (this.instance.exports as Record<string, unknown>)[name];
    if (typeof fn !== "function") return fallback;
    countCall(this.counts.moduleCalls, name);
    const savedContext = this.currentContext;
    const savedEffective = this.effectiveContextId;
    this.currentContext = context;
    this.effectiveContextId = undefined;
    if (this.depth === 0) this.logMark = this.logs.mark();
    this.depth++;
    let result: number;
    try {
      const value = (fn as ExportedFunction)(...args);
      result = value === undefined ? fallback : Number(value) >>> 0;
    } catch (error) {
      this.failure =
        error instanceof WasmTrapError
          ? error
          : new WasmTrapError(
              name,
              error instanceof Error ? error.message : String(error),
              this.logs.lastCriticalSince(this.logMark),
              { cause: error },
            );
      throw this.failure;
    } finally {
      this.depth--;
      this.currentContext = savedContext;
      this.effectiveContextId = savedEffective;
    }
    if (this.depth === 0) this.runAfterCallActions();
    return result;
  }

  /**
   * Delivers an event from outside the VM (a callout answer): calls the callback if the module has
   * it, and in any case runs the deferred actions that go with it.
   */
  deliver(callback: string, context: ContextState, args: number[]): void {
    if (this.inCallback) throw new Error(`${callback} cannot be delivered from inside another callback`);
    if (this.exported(callback)) this.invoke(callback, context, args, 0);
    else this.runAfterCallActions();
  }

  /** Runs `action` once the current outermost callback returns. */
  afterCall(action: () => void): void {
    this.afterCallActions.push(action);
  }

  private runAfterCallActions(): void {
    while (this.afterCallActions.length > 0) this.afterCallActions.shift()?.();
  }

  /** The effective context (proxy_set_effective_context) if still alive, else the current one. */
  context(): ContextState {
    if (this.effectiveContextId !== undefined) {
      const effective = this.contexts.get(this.effectiveContextId);
      if (effective) return effective;
    }
    return this.currentContext;
  }

  setEffectiveContext(id: number): boolean {
    if (!this.contexts.get(id)) return false;
    this.effectiveContextId = id;
    return true;
  }
}
