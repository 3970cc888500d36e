// Errors the host throws at a test, each naming what went wrong and where.

/** The module imports something Envoy would refuse to link. */
export class ImportRejectedError extends Error {
  constructor(
    readonly wasmPath: string,
    readonly problems: readonly string[],
  ) {
    super(`${wasmPath} would not load in Envoy:\n  ${problems.join("\n  ")}`);
    this.name = "ImportRejectedError";
  }
}

/** The module trapped (or a host call threw) inside a callback; the VM is unusable afterwards. */
export class WasmTrapError extends Error {
  constructor(
    readonly callback: string,
    readonly trapMessage: string,
    /** The last critical log line written during the callback (an abort handler's message). */
    readonly moduleMessage: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${callback} trapped: ${trapMessage}` + (moduleMessage === undefined ? "" : ` (module said: ${moduleMessage})`),
      options,
    );
    this.name = "WasmTrapError";
  }
}

/** The module called a host function in a phase where Envoy forbids it (e.g. during _initialize). */
export class RestrictedCallError extends Error {
  constructor(
    readonly importName: string,
    readonly phase: string,
  ) {
    super(`${importName} called during ${phase}; Envoy fails the VM for this (restricted host call)`);
    this.name = "RestrictedCallError";
  }
}

/** The module called a host function this test host does not model. */
export class HostCallNotModelledError extends Error {
  constructor(readonly importName: string) {
    super(`${importName} is linked by Envoy but not modelled by the test host`);
    this.name = "HostCallNotModelledError";
  }
}

/** The module refused to start or to be configured. */
export class LifecycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LifecycleError";
  }
}
