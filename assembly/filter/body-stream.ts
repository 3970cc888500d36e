// Streams of the module that receives request bodies: a request_bodies method, or a gRPC call that
// grpc.methods lists (grpc-request.ts), is mirrored with its body. Its body is copied chunk by
// chunk as it passes (every callback returns Continue, so the primary never waits), and its copies
// go when the request ends (the last body chunk, or its trailers), each with the exact body and its
// content-length. A body past its cap or past the worker's budget, a second gRPC message, a client
// reset before the end, or the in-flight cap at the end: the request is not mirrored, and one
// counter says why. A gRPC call's pair keeps each side's trailers (grpc-pair.ts).
import { HttpContext } from "../abi/context";
import { copyBytes, indexOfBytes } from "../abi/headers";
import { httpCall, incrementMetric } from "../abi/hostcalls";
import { Action, MapType, Status } from "../abi/types";
import { BodyCapture } from "./capture";
import { Destination } from "./config-targets";
import { Decision, decide } from "./decision";
import { GrpcPair, GrpcResponse } from "./grpc-pair";
import { CallKind, GrpcCalls, callKind, decideGrpc, holdsSecondMessage, withTrailersTe } from "./grpc-request";
import { shadowRequestPairs, withContentLength } from "./mirror";
import { TraceMode, traceContext } from "./trace-context";
import { Pair } from "./pair";
import { lengthField, putBytesAlways, putUint, putVarint, uintField, varintSize } from "./protobuf";
import { BodyBudget, BodyEnd, RequestBodyCopy } from "./request-body";
import { RequestHeaders, requestHeaders } from "./request-headers";
import { failureFromCallStatus } from "./shadow-outcome";
import { ShadowStream, startPair } from "./stream";

/** A configuration's request_bodies (or grpc's copies), as its streams use it: the methods, the
 * cap, the worker's budget, and the counters of a body that did not go (by BodyEnd). */
export class Bodies {
  constructor(public methodKeys: Array<ArrayBuffer>, public maxBytes: i32, public budget: BodyBudget, public counters: StaticArray<u32>) {}
}

/** A stream of the module that receives request bodies: a ShadowStream inside (it mirrors a request
 * without a body, and captures the primary's answer), and this around it for the body. A wrapper,
 * not a subclass, as request-bodies.ts's root. */
export class BodyStream extends HttpContext {
  /** The body while it arrives; its copies wait for the request's end. */
  private body: RequestBodyCopy | null = null;
  /** Each side's copy of the request's headers, while they wait for the body. */
  private headers: Array<ArrayBuffer> = [];
  /** The bounds and counters of the copy under way: request_bodies', or grpc's. */
  private rules: Bodies | null = null;
  /** The request is a listed gRPC call, mirrored or waiting for its body. */
  private grpcCall: bool = false;

  constructor(private stream: ShadowStream, private bodies: Bodies | null, private grpc: GrpcCalls) {
    super(stream.id);
  }

  private sendsBody(request: RequestHeaders): bool {
    const bodies = this.bodies;
    const method = request.method;
    return bodies !== null && method.found && indexOfBytes(bodies.methodKeys, method.ptr, method.size) >= 0;
  }

  /** ShadowStream's, but a request_bodies method is decided as if no body followed, and its copies
   * wait for the body; a gRPC call goes by grpc.methods alone. */
  onRequestHeaders(numHeaders: u32, endOfStream: bool): Action {
    const stream = this.stream;
    const request = requestHeaders;
    request.read(stream.config);
    const kind = request.tagged ? CallKind.Http : callKind(request);
    if (kind != CallKind.Http) {
      this.grpcRequest(request, kind, endOfStream);
      request.release();
      return Action.Continue;
    }
    const withBody = this.sendsBody(request);
    const decision = decide(stream.config, request, endOfStream || withBody, stream.pairing.inFlight);
    if (decision < Decision.Mirror) {
      stream.metrics.decided(decision);
    } else if (!withBody) {
      stream.metrics.decided(decision);
      stream.mirror(request, decision == Decision.MirrorWithSecondary);
    } else {
      this.wait(request, decision == Decision.MirrorWithSecondary, this.bodies!);
      if (endOfStream) this.requestEnded();
    }
    request.release();
    return Action.Continue;
  }

  /** A gRPC call: mirrored when listed (a gRPC-Web call never is), by the path, sample and
   * secondary rules; counted as not listed otherwise. */
  private grpcRequest(request: RequestHeaders, kind: CallKind, endOfStream: bool): void {
    const grpc = this.grpc;
    const rules = grpc.bodies;
    if (kind != CallKind.Grpc || rules === null || !grpc.listed(request)) {
      grpc.countNotListed();
      return;
    }
    const stream = this.stream;
    const decision = decideGrpc(stream.config, request);
    if (decision < Decision.Mirror) {
      stream.metrics.decided(decision);
      return;
    }
    this.grpcCall = true;
    this.wait(request, decision == Decision.MirrorWithSecondary, rules);
    if (endOfStream) this.requestEnded();
  }

  /** The pair and each side's headers, made while the request's headers can be read. */
  private wait(request: RequestHeaders, withSecondary: bool, rules: Bodies): void {
    const config = this.stream.config;
    const calls = config.targetCount + (withSecondary ? 1 : 0);
    const authority = request.authority;
    const requestAuthority = authority.found ? copyBytes(authority.ptr, authority.size) : new ArrayBuffer(0);
    const grpc = this.grpcCall;
    const pair = grpc
      ? new GrpcPair(<i32>config.maxBodyBytes, config.destinations, calls, config.targetCount)
      : new BodyPair(<i32>config.maxBodyBytes, config.destinations, calls, config.targetCount);
    startPair(config, request, pair, requestAuthority);
    this.stream.pair = pair;
    // As ShadowStream.mirror: sides sending the same authority share one copy, but marked ones.
    const headers = new Array<ArrayBuffer>(calls);
    let shared = new ArrayBuffer(0);
    let sharedAuthority: ArrayBuffer | null = null;
    const marked = config.traceContext == TraceMode.Mark;
    for (let i = 0; i < calls; i++) {
      const destination = config.destinations[i];
      const sentAuthority = destination.authority.length > 0 ? destination.authorityBytes : requestAuthority;
      if (sharedAuthority !== sentAuthority || marked) {
        shared = shadowRequestPairs(config, request.ptr, request.size, sentAuthority, traceContext);
        if (grpc) shared = withTrailersTe(shared);
        sharedAuthority = sentAuthority;
      }
      headers[i] = shared;
    }
    this.headers = headers;
    this.rules = rules;
    this.body = new RequestBodyCopy(rules.maxBytes, rules.budget);
  }

  onRequestBody(bodySize: usize, endOfStream: bool): Action {
    const body = this.body;
    if (body === null) return Action.Continue;
    const end = body.add(bodySize);
    if (end != BodyEnd.Going) this.notMirrored(end);
    else if (this.grpcCall && holdsSecondMessage(body.bytes)) this.notMirrored(BodyEnd.Streaming);
    else if (endOfStream) this.requestEnded();
    return Action.Continue;
  }

  onRequestTrailers(numTrailers: u32): Action {
    // Trailers end the request; the copies go without them (their content-length frames the body).
    if (this.body !== null) this.requestEnded();
    return Action.Continue;
  }

  /** Every side gets the whole body, or none does. */
  private requestEnded(): void {
    const stream = this.stream;
    const body = this.body!;
    const pair = changetype<BodyPair>(stream.pair!);
    const calls = pair.mirrored.length;
    if (<u32>(stream.pairing.inFlight + calls) > stream.config.maxInFlight) {
      stream.metrics.decided(Decision.OverCapacity);
      this.letGo();
      return;
    }
    stream.metrics.decided(Decision.Mirror);
    const bytes = body.bytes;
    pair.requestBody.readWhole(bytes.ptr, bytes.length);
    const headers = this.headers;
    let sized = new ArrayBuffer(0);
    for (let i = 0; i < calls; i++) {
      // Sides that share the request's headers share their sized copy.
      if (i == 0 || headers[i] !== headers[i - 1]) sized = withContentLength(headers[i], bytes.length);
      const destination = stream.config.destinations[i];
      const side = pair.mirrored[i];
      const call = httpCall(destination.clusterBytes, sized, destination.timeoutMs, bytes.ptr, <usize>bytes.length);
      if (call.status == Status.Ok) stream.pairing.sent(call.token, pair, side);
      else stream.pairing.mirroredEnded(pair, side, failureFromCallStatus(call.status));
    }
    // Envoy copied the body into each call.
    body.release();
    this.body = null;
    this.headers = [];
  }

  private notMirrored(why: BodyEnd): void {
    incrementMetric(this.rules!.counters[why], 1);
    this.letGo();
  }

  /** Nothing more is taken for the request: its body, its headers and its pair let go. */
  private letGo(): void {
    const body = this.body;
    if (body !== null) body.release();
    this.body = null;
    this.headers = [];
    const stream = this.stream;
    const pair = stream.pair;
    if (pair !== null) stream.pairing.abandoned(pair);
    stream.pair = null;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): Action {
    // A trailers-only answer: its status is in its headers, and they end it.
    if (endOfStream) this.readGrpcTrailers(MapType.HttpResponseHeaders);
    return this.stream.onResponseHeaders(numHeaders, endOfStream);
  }

  onResponseBody(bodySize: usize, endOfStream: bool): Action {
    return this.stream.onResponseBody(bodySize, endOfStream);
  }

  onResponseTrailers(numTrailers: u32): Action {
    this.readGrpcTrailers(MapType.HttpResponseTrailers);
    return this.stream.onResponseTrailers(numTrailers);
  }

  /** A gRPC call's primary trailers, before its answer finishes the pair. */
  private readGrpcTrailers(map: MapType): void {
    const pair = this.stream.pair;
    if (!this.grpcCall || pair === null || pair.primary.finished) return;
    changetype<GrpcResponse>(pair.primary).readTrailers(map, this.grpc.trailerKeys, this.stream.config.redactHeaderKeys);
  }

  onDone(): bool {
    // The client went away before its request's body ended.
    if (this.body !== null) this.notMirrored(BodyEnd.Reset);
    return this.stream.onDone();
  }

  onDelete(): void {
    this.stream.onDelete();
  }
}

// message Body { bytes data = 1; uint64 size = 2; bool truncated = 3; }, as Pair.request_body (16).
const REQUEST_BODY_TAG: u64 = (16 << 3) | 2;

/** A pair of a request_bodies method (or a gRPC call): the body its sides were sent, up to max_body_bytes. */
export class BodyPair extends Pair {
  requestBody: BodyCapture;

  constructor(bodyCap: i32, destinations: Array<Destination>, count: i32, targetCount: i32) {
    super(bodyCap, destinations, count, targetCount);
    this.requestBody = new BodyCapture(bodyCap);
  }

  private bodySize(): i32 {
    const body = this.requestBody;
    return (body.kept.length > 0 ? lengthField(body.kept.length) : 0) + uintField(body.total) + uintField(body.truncated() ? 1 : 0);
  }

  requestBodySize(): i32 {
    const size = this.bodySize();
    return varintSize(REQUEST_BODY_TAG) + varintSize(<u64>size) + size;
  }

  putRequestBody(at: usize): usize {
    const body = this.requestBody;
    at = putVarint(putVarint(at, REQUEST_BODY_TAG), <u64>this.bodySize());
    if (body.kept.length > 0) at = putBytesAlways(at, 1, body.kept.ptr, body.kept.length);
    at = putUint(at, 2, body.total);
    return putUint(at, 3, body.truncated() ? 1 : 0);
  }
}
