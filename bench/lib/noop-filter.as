// A proxy-wasm 0.2.1 module that does nothing: every callback returns at once. The Envoy
// benchmark runs it as a reference, to tell the cost of any wasm filter in Envoy (VM calls per
// request) from the cost of what shadowdiff itself does. AssemblyScript: bench/lib/noop-filter.ts
// compiles a copy of it, under a .ts name, in a temporary folder.

export function malloc(size: usize): usize {
  return heap.alloc(size);
}

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_context_create(id: u32, parent: u32): void {}

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  return 1;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  return 1;
}

export function proxy_on_request_headers(id: u32, count: u32, endOfStream: u32): u32 {
  return 0;
}

export function proxy_on_response_headers(id: u32, count: u32, endOfStream: u32): u32 {
  return 0;
}

export function proxy_on_response_body(id: u32, size: u32, endOfStream: u32): u32 {
  return 0;
}

export function proxy_on_log(id: u32): void {}

export function proxy_on_done(id: u32): u32 {
  return 1;
}

export function proxy_on_delete(id: u32): void {}
