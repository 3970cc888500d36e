// A mirrored gRPC call's pair: each side's answer keeps its trailers (grpc-status, grpc-message and
// the configured grpc.trailers, redacted), read from the trailers or, for a trailers-only answer,
// from its headers; the pair is marked as gRPC for the collector (capture.proto Pair.grpc).
import { Header } from "../abi/headers";
import { headerPairsInPlace } from "../abi/hostcalls";
import { MapType } from "../abi/types";
import { BodyPair } from "./body-stream";
import { CapturedResponse } from "./capture";
import { headersSize, putHeaders } from "./capture-codec";
import { Destination } from "./config-targets";
import { putVarint } from "./protobuf";
import { selectPairs } from "./redact";

// bool grpc = 19: a two-byte tag, then 1.
const GRPC_TAG: u64 = 19 << 3;
const GRPC_FIELD_BYTES: i32 = 3;
const TRAILERS_FIELD: u32 = 9;

export class GrpcResponse extends CapturedResponse {
  trailers: Array<Header> = [];

  /** The names in `keys` from the host's `map` (trailers, or a trailers-only answer's headers), redacted. */
  readTrailers(map: MapType, keys: Array<ArrayBuffer>, redacted: Array<ArrayBuffer>): void {
    const pairs = headerPairsInPlace(map);
    if (pairs === null) return;
    this.trailers = selectPairs(pairs.ptr, pairs.size, keys, redacted);
    pairs.release();
  }

  /** Its grpc-message trailer ("" without one). */
  grpcMessage(): string {
    const trailers = this.trailers;
    for (let i = 0; i < trailers.length; i++) {
      if (String.UTF8.decode(trailers[i].name) == "grpc-message") return String.UTF8.decode(trailers[i].value);
    }
    return "";
  }

  extraSize(): i32 {
    return headersSize(this.trailers);
  }

  putExtra(at: usize): usize {
    return putHeaders(at, TRAILERS_FIELD, this.trailers);
  }
}

export class GrpcPair extends BodyPair {
  constructor(bodyCap: i32, destinations: Array<Destination>, count: i32, targetCount: i32) {
    super(bodyCap, destinations, count, targetCount);
    this.primary = new GrpcResponse(bodyCap);
    const sides = this.mirrored;
    for (let i = 0; i < sides.length; i++) {
      const side = new GrpcResponse(bodyCap);
      side.name = sides[i].name;
      sides[i] = side;
    }
  }

  requestBodySize(): i32 {
    return super.requestBodySize() + GRPC_FIELD_BYTES;
  }

  putRequestBody(at: usize): usize {
    return putVarint(putVarint(super.putRequestBody(at), GRPC_TAG), 1);
  }
}
