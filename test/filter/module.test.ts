// The compiled module as Envoy receives it: what it imports, what it exports, its size.
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readModuleImports } from "../wasmhost/wasm-binary.js";
import { importProblems } from "../wasmhost/import-policy.js";
import { BODIES_WASM_PATH, WASM_PATH } from "./fixture.js";

const bytes = new Uint8Array(readFileSync(WASM_PATH));

describe("build/shadowdiff.wasm", () => {
  it("imports only proxy-wasm 0.2.1 and WASI functions Envoy provides, with their signatures", () => {
    const imports = readModuleImports(bytes);
    expect(imports.length).toBeGreaterThan(0);
    expect(importProblems(imports)).toEqual([]);
    const names = imports.map((i) => `${i.module}.${i.name}`);
    for (const banned of ["env.abort", "env.trace", "env.seed"]) expect(names).not.toContain(banned);
  });

  it("declares proxy_grpc_call with the 12 parameters of ABI 0.2.1", () => {
    const grpcCall = readModuleImports(bytes).find((i) => i.name === "proxy_grpc_call");
    expect(grpcCall?.params).toBe("i".repeat(12));
  });

  it("exports the ABI version, both allocators, _initialize and the callbacks it relies on", () => {
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    for (const name of [
      "proxy_abi_version_0_2_1", "malloc", "proxy_on_memory_allocate", "_initialize", "memory",
      "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick",
      "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_response_body",
      "proxy_on_response_trailers", "proxy_on_done", "proxy_on_delete",
      "proxy_on_http_call_response", "proxy_on_grpc_receive", "proxy_on_grpc_close",
    ]) {
      expect(exports).toContain(name);
    }
    // Callbacks it does not need stay unexported: Envoy then never calls into the VM for them.
    for (const name of ["proxy_on_request_body", "proxy_on_request_trailers", "proxy_on_log"]) {
      expect(exports).not.toContain(name);
    }
    expect(exports).not.toContain("main");
    expect(exports).not.toContain("_start");
  });

  // 64 KiB until every pair said the secondary's configured share and the primary's trace id, and
  // copies were marked in traces; the bound keeps the module small (a wasm VM's memory never
  // shrinks) and its growth seen.
  it("is at most 72 KiB", () => {
    expect(statSync(WASM_PATH).size).toBeLessThanOrEqual(72 * 1024);
  });
});

describe("build/shadowdiff-bodies.wasm", () => {
  const bodies = new Uint8Array(readFileSync(BODIES_WASM_PATH));

  it("imports what the default module may", () => {
    expect(importProblems(readModuleImports(bodies))).toEqual([]);
  });

  it("exports the request body and trailer callbacks besides the default module's", () => {
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bodies)).map((e) => e.name);
    const plain = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    expect(exports.filter((name) => !plain.includes(name)).sort()).toEqual(["proxy_on_request_body", "proxy_on_request_trailers"]);
    expect(plain.filter((name) => !exports.includes(name))).toEqual([]);
  });

  // Past the default module's bound by what reading request_bodies and grpc, copying bodies and
  // keeping gRPC trailers take; the bound keeps it from growing unnoticed.
  it("is at most 92 KiB", () => {
    expect(statSync(BODIES_WASM_PATH).size).toBeLessThanOrEqual(92 * 1024);
  });
});
