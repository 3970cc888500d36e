// proxy_http_call and its answers (envoy source/extensions/common/wasm/context.cc httpCall,
// onHttpCallSuccess, onHttpCallFailure). Answers reach the root context whichever context called.
import { Status } from "./abi.js";
import {
  ROUTER_LOCAL_REPLIES,
  CalloutTable,
  localReplyResponse,
  toBytes,
  type HttpCall,
  type HttpCallResponse,
} from "./callouts.js";
import { HeaderMap } from "./header-map.js";
import type { RootContextState } from "./contexts.js";
import type { HeaderPair } from "./pairs.js";

export type HttpCallFailure = "reset" | "overflow";

export class HttpCallouts extends CalloutTable<HttpCall> {
  protected readonly kind = "HTTP";

  /** Context::httpCall: negative timeout, unknown cluster, then :path/:method/:authority. */
  start(
    root: RootContextState,
    cluster: string,
    headers: HeaderPair[],
    body: Uint8Array,
    trailers: HeaderPair[],
    timeoutMs: number,
  ): { result: Status; token: number } {
    if (timeoutMs < 0) return { result: Status.BadArgument, token: 0 };
    if (!this.clusters.has(cluster)) return { result: Status.BadArgument, token: 0 };
    const map = new HeaderMap(headers);
    if (!map.has(":path") || !map.has(":method") || !map.has(":authority")) {
      return { result: Status.BadArgument, token: 0 };
    }
    if (body.length > 0) map.replace("content-length", String(body.length));
    const token = this.tokens.http();
    this.armedAt.set(token, this.sequence.next());
    this.calls.push({
      token,
      cluster,
      headers: map.pairs(),
      body: body.slice(),
      trailers: trailers.map(([k, v]) => [k.toLowerCase(), v]),
      timeoutMs,
      contextId: root.id,
      startedAtMs: this.clock.nowMs(),
      state: "pending",
    });
    return { result: Status.Ok, token };
  }

  respond(token: number, response: HttpCallResponse): void {
    const call = this.pending(token);
    call.state = "answered";
    const root = this.rootFor(call);
    const headers = new HeaderMap();
    if (response.status !== undefined && !(response.headers ?? []).some(([k]) => k.toLowerCase() === ":status")) {
      headers.add(":status", String(response.status));
    }
    for (const [name, value] of response.headers ?? []) headers.add(name, value);
    const body = toBytes(response.body);
    const trailers = response.trailers && response.trailers.length > 0 ? new HeaderMap(response.trailers) : undefined;
    root.httpCallResponse = { headers, body, trailers };
    this.vm().afterCall(() => {
      root.httpCallResponse = undefined;
    });
    this.vm().deliver("proxy_on_http_call_response", root, [root.id, token, headers.size, body.length, trailers?.size ?? 0]);
  }

  fail(token: number, reason: HttpCallFailure): void {
    if (reason !== "reset" && reason !== "overflow") throw new Error(`unknown failure reason ${String(reason)}`);
    const call = this.pending(token);
    call.state = "failed";
    const root = this.rootFor(call);
    // Envoy reports both reasons alike: BrokenConnection, "reset" (the code outlives the callback).
    root.statusCode = Status.BrokenConnection;
    root.statusMessage = "reset";
    this.vm().afterCall(() => {
      root.statusMessage = "";
    });
    this.vm().deliver("proxy_on_http_call_response", root, [root.id, token, 0, 0, 0]);
  }

  timeout(token: number): void {
    this.timeable(token);
    const reply = ROUTER_LOCAL_REPLIES.timeout;
    this.respond(token, localReplyResponse(reply.status, reply.body));
  }

  refuse(token: number): void {
    const reply = ROUTER_LOCAL_REPLIES.connectionRefused;
    this.respond(token, localReplyResponse(reply.status, reply.body));
  }
}
