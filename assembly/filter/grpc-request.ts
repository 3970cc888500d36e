// gRPC calls in the module that receives request bodies: a request whose content-type is
// application/grpc* is mirrored only when grpc.methods lists its method, and only when it carries
// one message (a unary call); else it is counted by reason and passes untouched. A listed call is
// held like a request_bodies body (grpc.max_bytes, grpc.budget_bytes) and sent whole, with
// `te: trailers`, over the sides' HTTP/2 clusters.
import { PairsCursor, bytesStartWith, indexOfBytes } from "../abi/headers";
import { defineMetric, incrementMetric } from "../abi/hostcalls";
import { MetricType } from "../abi/types";
import { ByteBuffer } from "./byte-buffer";
import { Bodies } from "./body-stream";
import { Config } from "./config";
import { Decision, pathAllowed } from "./decision";
import { GrpcSettings } from "./grpc-config";
import { withEntry } from "./mirror";
import { BodyBudget } from "./request-body";
import { RequestHeaders } from "./request-headers";
import { sampled, secondarySampled } from "./sampling";

const CONTENT_TYPE = String.UTF8.encode("content-type");
const TE = String.UTF8.encode("te");
const TRAILERS = String.UTF8.encode("trailers");
const GRPC_TYPE = String.UTF8.encode("application/grpc");
const PLUS: u8 = 0x2b;
const SEMICOLON: u8 = 0x3b;
/** Trailers every gRPC side keeps: the status its client sees. */
const STATUS_TRAILERS: Array<string> = ["grpc-status", "grpc-message"];
/** Counters of a gRPC copy that did not go, by BodyEnd (TooLarge, OverBudget, Reset, Streaming). */
const BODY_ENDS: Array<string> = ["", "requests_grpc_too_large", "requests_over_body_budget", "requests_body_reset", "requests_grpc_streaming"];

/** What kind of call a content-type makes a request. */
export enum CallKind { Http, Grpc, GrpcWeb }

/** gRPC's content-type is application/grpc, optionally +format or ;parameters; gRPC-Web's is
 * application/grpc-web*, whose messages and trailers a gRPC server cannot read. Case-insensitive. */
export function callKind(request: RequestHeaders): CallKind {
  const cursor = new PairsCursor(request.ptr, request.size);
  while (cursor.next()) {
    if (!cursor.nameIs(CONTENT_TYPE)) continue;
    const size = cursor.valueSize;
    const prefix = <usize>GRPC_TYPE.byteLength;
    if (size < prefix) return CallKind.Http;
    for (let i: usize = 0; i < prefix; i++) {
      if ((load<u8>(cursor.valuePtr + i) | 0x20) != load<u8>(changetype<usize>(GRPC_TYPE) + i)) return CallKind.Http;
    }
    if (size == prefix) return CallKind.Grpc;
    const next = load<u8>(cursor.valuePtr + prefix);
    if (next == PLUS || next == SEMICOLON) return CallKind.Grpc;
    return next == 0x2d ? CallKind.GrpcWeb : CallKind.Http;
  }
  return CallKind.Http;
}

/** `pairs` (a copy's serialized headers) and `te: trailers`, which a gRPC server requires and
 * the copy, dropping hop-by-hop headers, would otherwise leave out (RFC 9113 8.2.2 lets no other te through). */
export function withTrailersTe(pairs: ArrayBuffer): ArrayBuffer {
  return withEntry(pairs, TE, TRAILERS);
}

/** Whether a copy holds the start of a second message: the first one's 5-byte prefix says how long
 * it is, and there are more bytes than that. */
export function holdsSecondMessage(bytes: ByteBuffer): bool {
  if (bytes.length < 5) return false;
  const at = bytes.ptr;
  const length = (<u64>load<u8>(at + 1) << 24) | (<u64>load<u8>(at + 2) << 16) | (<u64>load<u8>(at + 3) << 8) | <u64>load<u8>(at + 4);
  return <u64>bytes.length > 5 + length;
}

/** A configuration's gRPC rules, as its streams use them. Without a grpc block nothing is listed,
 * and every gRPC call is counted as not listed. */
export class GrpcCalls {
  private methodKeys: Array<ArrayBuffer> = [];
  /** "/package.Service/" of each "/package.Service/*". */
  private serviceKeys: Array<ArrayBuffer> = [];
  /** The bounds and counters of a listed call's copy; null without a grpc block. */
  bodies: Bodies | null = null;
  /** grpc-status, grpc-message, and grpc.trailers. */
  readonly trailerKeys: Array<ArrayBuffer> = [];
  private notListedId: u32;
  /** Not listed since the last flush (the root's tick): a gRPC call costs no metric call. */
  private notListed: i32 = 0;

  /** In on_configure: defines the counters. */
  constructor(settings: GrpcSettings | null) {
    this.notListedId = defineMetric(MetricType.Counter, "shadowdiff.requests_grpc_not_listed");
    if (settings !== null) this.list(settings);
  }

  private list(settings: GrpcSettings): void {
    for (let i = 0; i < settings.methods.length; i++) {
      const method = settings.methods[i];
      if (method.endsWith("/*")) this.serviceKeys.push(String.UTF8.encode(method.substring(0, method.length - 1)));
      else this.methodKeys.push(String.UTF8.encode(method));
    }
    const names = STATUS_TRAILERS.concat(settings.trailers);
    for (let i = 0; i < names.length; i++) {
      const key = String.UTF8.encode(names[i]);
      if (indexOfBytes(this.trailerKeys, changetype<usize>(key), <usize>key.byteLength) < 0) this.trailerKeys.push(key);
    }
    const counters = new StaticArray<u32>(BODY_ENDS.length);
    for (let i = 1; i < BODY_ENDS.length; i++) counters[i] = defineMetric(MetricType.Counter, "shadowdiff." + BODY_ENDS[i]);
    this.bodies = new Bodies([], <i32>settings.maxBytes, new BodyBudget(<u64>settings.budgetBytes), counters);
  }

  /** Whether grpc.methods lists the request's :path: one method, or a method of a listed service. */
  listed(request: RequestHeaders): bool {
    const path = request.path;
    if (!path.found || this.bodies === null) return false;
    if (indexOfBytes(this.methodKeys, path.ptr, path.size) >= 0) return true;
    const services = this.serviceKeys;
    for (let i = 0; i < services.length; i++) {
      const service = services[i];
      const prefix = <usize>service.byteLength;
      if (path.size > prefix && bytesStartWith(path.ptr, path.size, service) && !hasSlash(path.ptr + prefix, path.size - prefix)) return true;
    }
    return false;
  }

  countNotListed(): void {
    this.notListed++;
  }

  /** On the tick, and before a retired root is done. */
  flush(): void {
    if (this.notListed == 0) return;
    incrementMetric(this.notListedId, this.notListed);
    this.notListed = 0;
  }
}

function hasSlash(ptr: usize, size: usize): bool {
  for (let i: usize = 0; i < size; i++) {
    if (load<u8>(ptr + i) == 0x2f) return true;
  }
  return false;
}

/** A listed call's decision, as decide() makes it for a request (the tag and the allow-list are
 * behind it; its body is awaited, and the in-flight cap checked when it ends): path, sample,
 * and whether the secondary takes it. */
export function decideGrpc(config: Config, request: RequestHeaders): Decision {
  if (!pathAllowed(config, request)) return Decision.PathSkipped;
  if (!sampled(config, request)) return Decision.SampledOut;
  const destinations = config.destinations;
  const withSecondary = destinations.length > config.targetCount && secondarySampled(destinations[config.targetCount].samplePercent, request);
  return withSecondary ? Decision.MirrorWithSecondary : Decision.Mirror;
}
