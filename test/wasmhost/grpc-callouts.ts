// proxy_grpc_call and its answers (envoy source/extensions/common/wasm/context.cc grpcCall,
// grpcCancel, onGrpcReceiveWrapper, onGrpcCloseWrapper; the GrpcCallClientHandler in context.h).
// A unary success is proxy_on_grpc_receive alone; a failure is proxy_on_grpc_close.
import { GrpcStatus, Status } from "./abi.js";
import { CalloutTable, GRPC_TIMEOUT_MESSAGE, isGrpcCallToken, isGrpcStreamToken, toBytes, type GrpcCall } from "./callouts.js";
import { HostCallNotModelledError } from "./errors.js";
import { parseGrpcService } from "./grpc-service.js";
import type { RootContextState } from "./contexts.js";
import type { HeaderPair } from "./pairs.js";

export class GrpcCallouts extends CalloutTable<GrpcCall> {
  protected readonly kind = "gRPC";

  start(
    root: RootContextState,
    serviceBytes: Uint8Array,
    service: string,
    method: string,
    initialMetadata: HeaderPair[],
    message: Uint8Array,
    timeoutMs: number,
  ): { result: Status; token: number } {
    let target = parseGrpcService(serviceBytes);
    if (target === undefined) {
      // Not a GrpcService: Envoy takes the bytes as a cluster name.
      const cluster = new TextDecoder().decode(serviceBytes);
      if (!this.clusters.has(cluster)) return { result: Status.ParseFailure, token: 0 };
      target = { kind: "envoy_grpc", cluster, authority: "" };
    }
    // Envoy takes the token before it builds the client, so a refused call still uses one up.
    const token = this.tokens.grpcCall();
    if (target.kind === "google_grpc") throw new HostCallNotModelledError("proxy_grpc_call with google_grpc");
    if (target.kind === "none") return { result: Status.BadArgument, token: 0 };
    const call: GrpcCall = {
      token,
      cluster: target.cluster,
      authority: target.authority !== "" ? target.authority : target.cluster,
      service,
      method,
      message: message.slice(),
      initialMetadata: initialMetadata.map(([k, v]) => [k.toLowerCase(), v]),
      timeoutMs,
      contextId: root.id,
      startedAtMs: this.clock.nowMs(),
      state: "pending",
    };
    this.calls.push(call);
    this.armedAt.set(token, this.sequence.next());
    if (!this.clusters.has(target.cluster)) {
      // Grpc::AsyncStreamImpl::initialize fails the request inline ("Cluster not available"): the
      // module gets INTERNAL_FAILURE and, once its callback returns, proxy_on_grpc_close(14) for
      // a token it never received.
      call.state = "failed";
      this.vm().afterCall(() => this.close(call, GrpcStatus.Unavailable, "Cluster not available"));
      return { result: Status.InternalFailure, token: 0 };
    }
    return { result: Status.Ok, token };
  }

  /** proxy_grpc_cancel / proxy_grpc_close on a call id; streams are never opened here. */
  cancel(token: number): Status {
    if (isGrpcCallToken(token)) {
      const call = this.calls.find((candidate) => candidate.token === token && candidate.state === "pending");
      if (!call) return Status.NotFound;
      call.state = "cancelled";
      return Status.Ok;
    }
    return isGrpcStreamToken(token) ? Status.NotFound : Status.BadArgument;
  }

  respond(token: number, message: string | Uint8Array): void {
    const call = this.pending(token);
    call.state = "answered";
    const root = this.rootFor(call);
    const bytes = toBytes(message);
    root.grpcReceiveBuffer = bytes;
    this.vm().afterCall(() => {
      root.grpcReceiveBuffer = undefined;
    });
    this.vm().deliver("proxy_on_grpc_receive", root, [root.id, token, bytes.length]);
  }

  fail(token: number, status: number, message: string): void {
    if (status === GrpcStatus.Ok) throw new Error("failGrpc needs a non-OK status; use respondGrpc for success");
    const call = this.pending(token);
    call.state = "failed";
    this.close(call, status, message);
  }

  timeout(token: number): void {
    this.timeable(token);
    this.fail(token, GrpcStatus.Unavailable, GRPC_TIMEOUT_MESSAGE);
  }

  private close(call: GrpcCall, status: number, message: string): void {
    // Without proxy_on_grpc_close Envoy only cleans up, leaving the status untouched.
    if (!this.vm().exported("proxy_on_grpc_close")) return;
    const root = this.rootFor(call);
    root.statusCode = status;
    root.statusMessage = message;
    this.vm().afterCall(() => {
      root.statusMessage = "";
    });
    this.vm().deliver("proxy_on_grpc_close", root, [root.id, call.token, status]);
  }
}
