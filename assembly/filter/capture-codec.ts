// The capture contract's encoder: proto/shadowdiff/v1/capture.proto, field by field.
// A pair is measured first, then written once, straight into the batch's buffer.
import { Header } from "../abi/headers";
import {
  bytesField, lengthField, putBytes, putBytesAlways, putLengthHeader, putUint, putVarint, uintField, varintSize,
} from "./protobuf";
import { CapturedResponse } from "./capture";
import { Pair, ShadowFailure } from "./pair";

// message Header { string name = 1; string value = 2; }
function headerSize(header: Header): i32 {
  return bytesField(header.name.byteLength) + bytesField(header.value.byteLength);
}

function putHeader(at: usize, field: u32, header: Header): usize {
  at = putLengthHeader(at, field, headerSize(header));
  at = putBytes(at, 1, header.name);
  return putBytes(at, 2, header.value);
}

export function headersSize(headers: Array<Header>): i32 {
  let size = 0;
  for (let i = 0; i < headers.length; i++) size += lengthField(headerSize(headers[i]));
  return size;
}

export function putHeaders(at: usize, field: u32, headers: Array<Header>): usize {
  for (let i = 0; i < headers.length; i++) at = putHeader(at, field, headers[i]);
  return at;
}

// message Response { status = 1; headers = 2; body = 3; body_size = 4; truncated = 5;
//                    latency_nanos = 6; failure = 7; name = 8; trailers = 9 (extraSize, putExtra) }
// A side that failed carries only its latency, failure kind and name (targets only); it has no
// trailers either.
function responseSize(response: CapturedResponse): i32 {
  const body = response.body;
  const answered = response.failure == ShadowFailure.None;
  return (answered ? uintField(<u64>response.status) + headersSize(response.headers) +
      (body.kept.length > 0 ? lengthField(body.kept.length) : 0) + uintField(body.total) +
      uintField(body.truncated() ? 1 : 0) : 0) +
    uintField(response.latencyNanos) + uintField(<u64>response.failure) + bytesField(response.name.byteLength) + response.extraSize();
}

function putResponse(at: usize, field: u32, response: CapturedResponse): usize {
  const body = response.body;
  at = putLengthHeader(at, field, responseSize(response));
  if (response.failure == ShadowFailure.None) {
    at = putUint(at, 1, <u64>response.status);
    at = putHeaders(at, 2, response.headers);
    if (body.kept.length > 0) at = putBytesAlways(at, 3, body.kept.ptr, body.kept.length);
    at = putUint(at, 4, body.total);
    at = putUint(at, 5, body.truncated() ? 1 : 0);
  }
  at = putUint(at, 6, response.latencyNanos);
  at = putUint(at, 7, <u64>response.failure);
  // Last, in field order: protobuf's canonical encoding.
  return response.putExtra(putBytes(at, 8, response.name));
}

// Pair.secondary_share_ppm (17): its tag takes two bytes, unlike the fields below 16.
const SECONDARY_SHARE_TAG: u64 = 17 << 3;

/** The fields every pair of a VM carries: the proxy id as the contract takes it (valid UTF-8, cut
 * to its limit), the configuration's version, and the secondary's share in parts per million
 * (0: no secondary), encoded once and copied into each pair. */
export class PairOrigin {
  secondaryShare: ArrayBuffer;

  constructor(public proxyId: ArrayBuffer, public configVersion: ArrayBuffer, secondaryPpm: u32) {
    const size = secondaryPpm == 0 ? 0 : varintSize(SECONDARY_SHARE_TAG) + varintSize(<u64>secondaryPpm);
    this.secondaryShare = new ArrayBuffer(size);
    if (size > 0) putVarint(putVarint(changetype<usize>(this.secondaryShare), SECONDARY_SHARE_TAG), <u64>secondaryPpm);
  }
}

/** The size of the pair's encoded message. */
export function pairSize(pair: Pair, origin: PairOrigin): i32 {
  return bytesField(pair.id.byteLength) + bytesField(origin.proxyId.byteLength) +
    bytesField(origin.configVersion.byteLength) + bytesField(pair.method.byteLength) +
    bytesField(pair.authority.byteLength) + bytesField(pair.path.byteLength) +
    headersSize(pair.requestHeaders) + uintField(pair.startUnixNanos) +
    lengthField(responseSize(pair.primary)) + uintField(pair.idShortened ? 1 : 0) +
    uintField(pair.pathTruncated ? 1 : 0) + sidesSize(pair) + pair.requestBodySize() + origin.secondaryShare.byteLength +
    bytesField(pair.traceId.byteLength, 18);
}

/** targets (14), each in configuration order, and the secondary (15) when taken. */
function sidesSize(pair: Pair): i32 {
  let size = 0;
  const sides = pair.mirrored;
  for (let i = 0; i < sides.length; i++) size += lengthField(responseSize(sides[i]));
  return size;
}

/** message Pair, as capture.proto numbers its fields, written at `at` (pairSize bytes);
 * returns where it ends. */
export function putPair(at: usize, pair: Pair, origin: PairOrigin): usize {
  at = putBytes(at, 1, pair.id);
  at = putBytes(at, 2, origin.proxyId);
  at = putBytes(at, 3, origin.configVersion);
  at = putBytes(at, 4, pair.method);
  at = putBytes(at, 5, pair.authority);
  at = putBytes(at, 6, pair.path);
  at = putHeaders(at, 7, pair.requestHeaders);
  at = putUint(at, 8, pair.startUnixNanos);
  at = putResponse(at, 9, pair.primary);
  at = putUint(at, 12, pair.idShortened ? 1 : 0);
  at = putUint(at, 13, pair.pathTruncated ? 1 : 0);
  const sides = pair.mirrored;
  for (let i = 0; i < sides.length; i++) at = putResponse(at, i < pair.targetCount ? 14 : 15, sides[i]);
  at = pair.putRequestBody(at);
  const share = origin.secondaryShare;
  memory.copy(at, changetype<usize>(share), <usize>share.byteLength);
  return putBytes(at + <usize>share.byteLength, 18, pair.traceId);
}

/** Batch { repeated Pair pairs = 1; }: the tag and length that go before each pair. */
export function pairEntrySize(size: i32): i32 {
  return lengthField(size);
}

export function putPairEntry(at: usize, size: i32): usize {
  return putLengthHeader(at, 1, size);
}
