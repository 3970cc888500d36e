import { describe, expect, it } from "vitest";
import { compileFixture } from "./fixtures/compile-fixture.js";
import { lastLog, messages, startEcho, get } from "./echo-module.js";
import {
  HostCallNotModelledError,
  ImportRejectedError,
  LifecycleError,
  RestrictedCallError,
  WasmTrapError,
} from "./errors.js";
import { ProxyWasmHost } from "./host.js";

describe("loading a module", () => {
  it("refuses env.abort, naming the import", async () => {
    const load = ProxyWasmHost.load(await compileFixture("env-abort"));
    await expect(load).rejects.toBeInstanceOf(ImportRejectedError);
    await expect(load).rejects.toThrow(/import env\.abort is neither a proxy-wasm 0\.2\.1 function nor a WASI function/);
  });

  it("refuses proxy_grpc_call declared with 10 parameters instead of 12", async () => {
    const load = ProxyWasmHost.load(await compileFixture("grpc-call-10"));
    await expect(load).rejects.toThrow(/env\.proxy_grpc_call has signature \(i32(, i32){9}\) -> i32; Envoy's is \(i32(, i32){11}\)/);
  });

  it("refuses a module without proxy_abi_version_0_2_1", async () => {
    await expect(ProxyWasmHost.load(await compileFixture("no-abi-version"))).rejects.toThrow(
      /does not export proxy_abi_version_0_2_1/,
    );
  });

  it("fails a module whose top-level code calls the host during _initialize", async () => {
    const load = ProxyWasmHost.load(await compileFixture("init-host-call"));
    await expect(load).rejects.toBeInstanceOf(WasmTrapError);
    await expect(load).rejects.toThrow(/_initialize trapped: env\.proxy_define_metric called during _initialize/);
    const error = await load.catch((e: unknown) => e);
    expect((error as WasmTrapError).cause).toBeInstanceOf(RestrictedCallError);
  });

  it("allows proxy_log during _initialize", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("echo"));
    expect(host.logs).toEqual([{ level: "info", message: "echo: initialized" }]);
  });

  it("allocates through proxy_on_memory_allocate when there is no malloc", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("allocate-only"));
    expect(host.start("plain config")).toBe(true);
    expect(host.logs).toContainEqual({ level: "info", message: "plain config" });
  });
});

describe("start", () => {
  it("creates the root context, starts the VM, then configures it with both configurations readable", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("echo"), { vmConfiguration: "vm-settings" });
    expect(host.start("echo-config")).toBe(true);
    expect(messages(host).slice(1, 4)).toEqual([
      "create 1 0",
      "vm_start root=1 size=11 config=vm-settings",
      "configure size=11 config=echo-config tail=ho-config",
    ]);
  });

  it("returns false when proxy_on_configure refuses the configuration", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("echo"));
    expect(host.start("refuse")).toBe(false);
    expect(host.logs).toContainEqual({ level: "critical", message: "echo: config refused" });
  });

  it("keeps the plugin configuration out of reach after proxy_on_configure", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    stream.requestHeaders(get("/"));
    stream.requestBody("abc", true);
    expect(lastLog(host, "req_body ").plugin_config).toBe("1");
  });

  it("refuses streams before start", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("echo"));
    expect(() => host.newStream()).toThrow(LifecycleError);
  });
});

describe("traps", () => {
  it("surfaces a trap as an error with the callback, the trap and the module's last critical line", async () => {
    const host = await startEcho();
    const stream = host.newStream();
    let caught: unknown;
    try {
      stream.requestHeaders(get("/", [["x-op", "trap"]]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WasmTrapError);
    const trap = caught as WasmTrapError;
    expect(trap.callback).toBe("proxy_on_request_headers");
    expect(trap.trapMessage).toMatch(/unreachable/);
    expect(trap.moduleMessage).toBe("echo: boom at echo.ts:1:1");
    expect(trap.message).toContain("echo: boom at echo.ts:1:1");
  });

  it("reports a host call the host does not model instead of guessing its answer", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("unmodelled"));
    let caught: unknown;
    try {
      host.start("");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WasmTrapError);
    expect((caught as WasmTrapError).cause).toBeInstanceOf(HostCallNotModelledError);
    expect((caught as WasmTrapError).message).toMatch(/proxy_on_vm_start trapped: env\.proxy_get_shared_data is linked by Envoy but not modelled/);
  });

  it("turns WASI proc_exit into an error naming the exit code", async () => {
    const host = await ProxyWasmHost.load(await compileFixture("unmodelled"), { vmConfiguration: "exit" });
    expect(() => host.start("")).toThrow(/proxy_on_vm_start trapped: proc_exit\(3\) called/);
  });

  it("refuses every call after a trap, as a failed Envoy VM does", async () => {
    const host = await startEcho();
    expect(() => host.newStream().requestHeaders(get("/", [["x-op", "trap"]]))).toThrow(WasmTrapError);
    expect(() => host.tick()).toThrow(/VM failed earlier/);
  });
});

describe("properties and contexts", () => {
  it("answers xds.node.id, plugin names and request attributes; NOT_FOUND for node.id, as Envoy 1.39 does", async () => {
    const host = await startEcho();
    const ask = (path: string) => {
      host.newStream().requestHeaders(get("/users/7?x=1", [["x-op", "property"], ["x-property", path]]));
      return lastLog(host, "property");
    };
    expect(ask("xds.node.id")).toEqual({ result: "0", value: "shadowdiff-test-node" });
    expect(ask("plugin_name")).toEqual({ result: "0", value: "shadowdiff" });
    expect(ask("plugin_root_id")).toEqual({ result: "0", value: "" });
    expect(ask("request.url_path")).toEqual({ result: "0", value: "/users/7" });
    expect(ask("node.id")).toEqual({ result: "1", value: "" });
    expect(ask("no.such.thing")).toEqual({ result: "1", value: "" });
  });

  it("answers configured properties over the defaults", async () => {
    const host = await startEcho({ properties: { "xds.node.id": "sidecar~1", "node.id": "legacy" } });
    host.newStream().requestHeaders(get("/", [["x-op", "property"], ["x-property", "xds.node.id"]]));
    expect(lastLog(host, "property")).toEqual({ result: "0", value: "sidecar~1" });
    host.newStream().requestHeaders(get("/", [["x-op", "property"], ["x-property", "node.id"]]));
    expect(lastLog(host, "property")).toEqual({ result: "0", value: "legacy" });
  });

  it("sets an effective context only to a live context id", async () => {
    const host = await startEcho({ vmConfiguration: "vmc" });
    host.newStream().requestHeaders(get("/", [["x-op", "effective"]]));
    expect(lastLog(host, "effective")).toEqual({ good: "0", bad: "2", vm_config: "vmc" });
  });

  it("answers proxy_done with NOT_FOUND unless the root is waiting to finish", async () => {
    const host = await startEcho();
    host.newStream().requestHeaders(get("/", [["x-op", "done"]]));
    expect(lastLog(host, "done result").result).toBe("1");
  });

  it("shuts the root down with proxy_on_done then proxy_on_delete", async () => {
    const host = await startEcho();
    expect(host.shutdown()).toBe(true);
    expect(messages(host).slice(-2)).toEqual(["done 1 header=2", "delete 1"]);
  });

  it("starts a new plugin configuration as a new root, while the old one runs until retired", async () => {
    const host = await startEcho();
    const oldStream = host.newStream();
    oldStream.requestHeaders(get("/", [["x-op", "http"], ["x-cluster", "shadow"]]));
    const oldCall = host.httpCalls[0]!;

    expect(host.reconfigure("second-config")).toBe(true);
    const [oldRoot, newRoot] = host.liveRootIds;
    expect(oldRoot).toBe(1);
    expect(host.rootContextId).toBe(newRoot);
    expect(messages(host)).toContain(`create ${newRoot} 0`);
    expect(lastLog(host, "vm_start")).toMatchObject({ root: String(newRoot) });
    expect(lastLog(host, "configure")).toMatchObject({ config: "second-config" });
    const newStream = host.newStream();
    newStream.requestHeaders(get("/"));
    expect(messages(host)).toContain(`create ${newStream.contextId} ${newRoot}`);

    // The old root still gets its answers, then retires; its pending calls die with it.
    host.respondHttpCall(oldCall.token, { status: 200 });
    expect(lastLog(host, "http_response")).toMatchObject({ ctx: "1", token: String(oldCall.token) });
    oldStream.requestHeaders(get("/", [["x-op", "http"], ["x-cluster", "shadow"]]));
    const lateCall = host.httpCalls[1]!;
    expect(host.retire(1)).toBe(true);
    expect(messages(host).slice(-2)).toEqual(["done 1 header=2", "delete 1"]);
    expect(host.liveRootIds).toEqual([newRoot]);
    expect(lateCall.state).toBe("cancelled");
    expect(() => host.respondHttpCall(lateCall.token, { status: 200 })).toThrow(/already cancelled/);
    expect(() => host.retire(1)).toThrow(/no such root context/);
  });
});
