// The release module must import nothing but proxy-wasm ABI 0.2.1 functions and the WASI functions
// Envoy provides, each with Envoy's signature; anything else makes Envoy refuse to load it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importProblems } from "./import-policy.js";
import { readModuleImports } from "./wasm-binary.js";

const RELEASE_WASM = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "build", "shadowdiff.wasm");

describe("build/shadowdiff.wasm imports", () => {
  it("imports only what Envoy links for ABI 0.2.1, with Envoy's signatures", () => {
    expect(existsSync(RELEASE_WASM), `${RELEASE_WASM} is missing: run make build`).toBe(true);
    const bytes = readFileSync(RELEASE_WASM);
    const imports = readModuleImports(bytes);
    const names = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
    expect(imports.map((i) => `${i.module}.${i.name}`)).toEqual(names);
    expect(importProblems(imports)).toEqual([]);
  });
});

describe("the import policy", () => {
  const fn = (module: string, name: string, params: string, results = "i") =>
    ({ module, name, kind: "function", params, results }) as const;

  it("accepts ABI functions and WASI functions under both WASI module names", () => {
    expect(
      importProblems([
        fn("env", "proxy_log", "iii"),
        fn("env", "proxy_increment_metric", "iJ"),
        fn("wasi_snapshot_preview1", "clock_time_get", "iJi"),
        fn("wasi_unstable", "fd_write", "iiii"),
        fn("wasi_snapshot_preview1", "proc_exit", "i", ""),
      ]),
    ).toEqual([]);
  });

  it.each([
    [fn("env", "abort", "iiii", ""), "env.abort is neither"],
    [fn("env", "seed", "", "d"), "env.seed is neither"],
    [fn("env", "proxy_get_configuration", "ii"), "env.proxy_get_configuration is neither"],
    [fn("env", "proxy_increment_metric", "ii"), "signature (i32, i32) -> i32; Envoy's is (i32, i64) -> i32"],
    [fn("wasi_snapshot_preview1", "sock_open", "iii"), "wasi_snapshot_preview1.sock_open is neither"],
    [{ module: "env", name: "memory", kind: "memory", params: "", results: "" } as const, "is a memory"],
  ])("refuses %o", (entry, message) => {
    const problems = importProblems([entry]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});
