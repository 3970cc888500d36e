// The filter's own rules for a plugin configuration, applied before Envoy sees it: the compiled
// module that the bootstrap loads is instantiated here, handed the configuration, and asked to
// configure, as Envoy does at start-up (proxy-wasm ABI 0.2.1: context create, vm start, configure).
// Only the host calls a configure makes are answered; the others fail, and nothing leaves this
// process. The same bytes therefore refuse the same configurations, with the same message, as in
// Envoy: there is no second copy of the rules to drift.
import { readFileSync } from "node:fs";
import { randomFillSync } from "node:crypto";

const OK = 0;
const NOT_FOUND = 1;
const UNIMPLEMENTED = 12;
const PLUGIN_CONFIGURATION = 7;
const VM_CONFIGURATION = 6;
const ROOT_CONTEXT = 1;
/** proxy_log levels: warn, error, critical. */
const WARN = 3;

export type PluginCheck = { ok: true } | { ok: false; problems: string[] };

interface FilterExports {
  memory: WebAssembly.Memory;
  malloc: (size: number) => number;
  _initialize?: () => void;
  proxy_on_context_create: (id: number, parent: number) => void;
  proxy_on_vm_start: (id: number, size: number) => number;
  proxy_on_configure: (id: number, size: number) => number;
}

/** Runs `wasmPath`'s configure on `configuration` (the plugin configuration's JSON text). */
export function checkPluginConfiguration(wasmPath: string, configuration: string): PluginCheck {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const plugin = Buffer.from(configuration, "utf8");
  const problems: string[] = [];
  let filter: FilterExports | undefined;
  const view = () => new DataView((filter as FilterExports).memory.buffer);
  const text = (pointer: number, size: number) => Buffer.from((filter as FilterExports).memory.buffer, pointer, size).toString("utf8");

  const env: Record<string, (...args: number[]) => number> = {
    proxy_log: (level, pointer, size) => {
      if (level >= WARN) problems.push(text(pointer, size));
      return OK;
    },
    proxy_get_buffer_bytes: (type, start, length, pointerOut, sizeOut) => {
      const bytes = type === PLUGIN_CONFIGURATION ? plugin : type === VM_CONFIGURATION ? Buffer.alloc(0) : undefined;
      if (bytes === undefined) return NOT_FOUND;
      const part = bytes.subarray(start, start + length);
      const pointer = part.length === 0 ? 0 : (filter as FilterExports).malloc(part.length);
      if (part.length > 0) Buffer.from((filter as FilterExports).memory.buffer, pointer, part.length).set(part);
      view().setUint32(pointerOut, pointer, true);
      view().setUint32(sizeOut, part.length, true);
      return OK;
    },
    proxy_get_property: () => NOT_FOUND,
    proxy_define_metric: (_type, _name, _size, idOut) => {
      view().setUint32(idOut, 1, true);
      return OK;
    },
    proxy_set_tick_period_milliseconds: () => OK,
  };
  const imports: WebAssembly.Imports = { env: {}, wasi_snapshot_preview1: {} };
  for (const entry of WebAssembly.Module.imports(module)) {
    const answer =
      entry.module === "env"
        ? (env[entry.name] ?? (() => UNIMPLEMENTED))
        : entry.name === "random_get"
          ? (pointer: number, size: number) => (randomFillSync(Buffer.from((filter as FilterExports).memory.buffer, pointer, size)), OK)
          : entry.name === "clock_time_get"
            ? (_id: number, _precision: bigint, out: number) => (view().setBigUint64(out, process.hrtime.bigint(), true), OK)
            : () => UNIMPLEMENTED;
    (imports[entry.module] as Record<string, unknown>)[entry.name] = answer;
  }
  filter = new WebAssembly.Instance(module, imports).exports as unknown as FilterExports;
  filter._initialize?.();
  filter.proxy_on_context_create(ROOT_CONTEXT, 0);
  const configured = filter.proxy_on_vm_start(ROOT_CONTEXT, 0) !== 0 && filter.proxy_on_configure(ROOT_CONTEXT, plugin.length) !== 0;
  if (configured) return { ok: true };
  return { ok: false, problems: problems.length > 0 ? problems : ["the filter refuses this configuration"] };
}
