import type protobuf from "protobufjs";
import { CAPTURE_LIMITS, type PairDropReason } from "./capture-limits.js";
import { loadCaptureProto } from "./capture-proto.js";
import { lengthDelimitedSpans, WireDecoder, WireDecodeError, type WireMessage } from "./wire-decoder.js";
import { SHADOW_FAILURE_KINDS, type CapturedBody, type CapturedResponse, type Header, type MirroredAnswer, type Pair, type TargetAnswer } from "./pair.js";

/** Bytes that cannot be cut into pairs at all; `message` says where and why. */
export class InvalidBatchError extends Error {}

/** A pair of the batch that was not taken: where it was, why, and a message naming the field and the rule. */
export interface DroppedPair {
  index: number;
  reason: PairDropReason;
  message: string;
}

export interface BatchContents {
  /** The valid pairs, in batch order. */
  pairs: Pair[];
  dropped: DroppedPair[];
}

/**
 * Reads `shadowdiff.v1.Batch` bytes pair by pair: the batch is cut into its pairs first, then each
 * pair is decoded and checked against the contract's limits on its own, so a bad pair is dropped
 * (with its reason) and never costs its neighbours.
 */
export class BatchReader {
  private readonly pairDecoder: WireDecoder;
  private readonly pairsField: { id: number; name: string };

  constructor(contract: protobuf.Root = loadCaptureProto()) {
    const batch = contract.lookupType("shadowdiff.v1.Batch");
    const pairs = batch.fields.pairs;
    if (pairs === undefined) throw new Error("shadowdiff.v1.Batch has no field pairs");
    this.pairsField = { id: pairs.id, name: pairs.name };
    this.pairDecoder = new WireDecoder(contract.lookupType("shadowdiff.v1.Pair"));
  }

  /** Throws InvalidBatchError only when the bytes cannot be cut into pairs. */
  read(bytes: Uint8Array): BatchContents {
    let spans;
    try {
      spans = lengthDelimitedSpans(bytes, this.pairsField.id, this.pairsField.name);
    } catch (error) {
      if (error instanceof WireDecodeError) throw new InvalidBatchError(error.message);
      throw error;
    }
    const pairs: Pair[] = [];
    const dropped: DroppedPair[] = [];
    spans.forEach(({ start, end }, index) => {
      let raw: WireMessage | undefined;
      try {
        raw = this.pairDecoder.decode(bytes, start, end);
        pairs.push(toPair(raw));
      } catch (error) {
        const refusal = error instanceof PairError ? error : error instanceof WireDecodeError ? new PairError("malformed", error.message) : undefined;
        if (refusal === undefined) throw error;
        dropped.push({ index, reason: refusal.reason, message: `pairs[${index}]${idNote(raw)}: ${refusal.message}` });
      }
    });
    return { pairs, dropped };
  }
}

/** A pair that breaks the contract; `message` names the field and the rule. */
class PairError extends Error {
  constructor(
    readonly reason: PairDropReason,
    message: string,
  ) {
    super(message);
  }
}

const ID_IN_MESSAGES = 64;

function idNote(raw: WireMessage | undefined): string {
  const id = raw?.id;
  if (typeof id !== "string" || id === "") return "";
  return ` (id ${JSON.stringify(id.length > ID_IN_MESSAGES ? `${id.slice(0, ID_IN_MESSAGES)}…` : id)})`;
}

const L = CAPTURE_LIMITS;

function toPair(raw: WireMessage): Pair {
  const id = optionalString(raw, "id");
  if (id === "") throw new PairError("invalid_id", 'field "id" is missing');
  if (overBytes(id, L.idBytes)) throw new PairError("invalid_id", `field "id" is longer than ${L.idBytes} bytes`);
  const primary = raw.primary as WireMessage | undefined;
  if (primary === undefined) throw new PairError("invalid_field", 'field "primary" is missing');
  if (optionalNumber(primary, "failure") !== 0) throw new PairError("invalid_field", 'field "primary.failure" must be unset: the primary always answers');
  const secondary = raw.secondary as WireMessage | undefined;
  const requestBody = raw.request_body as WireMessage | undefined;
  const secondaryPpm = optionalNumber(raw, "secondary_share_ppm");
  if (secondaryPpm > L.secondarySharePpm) throw new PairError("invalid_field", `field "secondary_share_ppm" must be at most ${L.secondarySharePpm}, got ${secondaryPpm}`);
  return {
    id,
    proxyId: boundedString(raw, "proxy_id", L.proxyIdBytes),
    configVersion: boundedString(raw, "config_version", L.configVersionBytes),
    method: requiredString(raw, "method", L.methodBytes),
    authority: boundedString(raw, "authority", L.authorityBytes),
    path: requiredString(raw, "path", L.pathBytes),
    requestHeaders: headers(raw, "request_headers"),
    startUnixNanos: optionalNumber(raw, "start_unix_nanos"),
    primary: response(primary, "primary"),
    targets: targets(raw),
    secondary: secondary === undefined ? null : mirrored(secondary, "secondary"),
    requestBody: requestBody === undefined ? null : capturedBody(requestBody, "request_body"),
    secondaryShare: secondaryPpm / 1_000_000,
    traceId: traceId(raw),
    grpc: (raw.grpc as boolean | undefined) ?? false,
  };
}

/** A W3C or B3 trace id: 32 (or 16) lower-case hex digits, not all zero; "" for none. */
const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;

function traceId(raw: WireMessage): string {
  const id = boundedString(raw, "trace_id", L.traceIdBytes);
  if (id !== "" && (!TRACE_ID.test(id) || /^0+$/.test(id))) {
    throw new PairError("invalid_field", `field "trace_id" must be 16 or 32 lower-case hex digits, not all zero, got ${JSON.stringify(id)}`);
  }
  return id;
}

const TARGET_NAME = /^[a-z0-9_-]+$/;

function targets(raw: WireMessage): TargetAnswer[] {
  const list = (raw.targets as WireMessage[] | undefined) ?? [];
  if (list.length === 0) throw new PairError("invalid_field", 'field "targets" is missing');
  if (list.length > L.targets) throw new PairError("too_large", `field "targets" has ${list.length} entries, more than ${L.targets}`);
  const names = new Set<string>();
  return list.map((target, index) => {
    const field = `targets[${index}]`;
    const name = optionalString(target, "name");
    if (name === "" || name.length > L.targetNameBytes || !TARGET_NAME.test(name)) {
      throw new PairError("invalid_field", `field "${field}.name" must be 1 to ${L.targetNameBytes} characters of [a-z0-9_-], got ${JSON.stringify(name.slice(0, 40))}`);
    }
    if (names.has(name)) throw new PairError("invalid_field", `field "${field}.name" repeats target "${name}"`);
    names.add(name);
    return { name, ...mirrored(target, field) };
  });
}

/** A mirrored side: its response, or its failure kind (and then no status). */
function mirrored(message: WireMessage, field: string): MirroredAnswer {
  const failureCode = optionalNumber(message, "failure");
  const failure = failureCode === 0 ? null : SHADOW_FAILURE_KINDS[failureCode - 1];
  if (failure === undefined) throw new PairError("invalid_field", `field "${field}.failure" has unknown value ${failureCode}`);
  if (failure === null) return { response: response(message, field), failure: null };
  if (optionalNumber(message, "status") !== 0) {
    throw new PairError("invalid_status", `field "${field}.status" must be 0 when the side failed, got ${optionalNumber(message, "status")}`);
  }
  return { response: null, failure };
}

function response(message: WireMessage, name: string): CapturedResponse {
  const status = optionalNumber(message, "status");
  if (status < L.minStatus || status > L.maxStatus) {
    throw new PairError("invalid_status", `field "${name}.status" must be an HTTP status from ${L.minStatus} to ${L.maxStatus}, got ${status}`);
  }
  const body = (message.body as Buffer | undefined) ?? Buffer.alloc(0);
  if (body.length > L.bodyBytes) throw new PairError("too_large", `field "${name}.body" is longer than ${L.bodyBytes} bytes`);
  const bodySize = optionalNumber(message, "body_size");
  if (bodySize < body.length) throw new PairError("invalid_field", `field "${name}.body_size" (${bodySize}) is smaller than the body (${body.length} bytes)`);
  return {
    status,
    headers: headers(message, "headers", `${name}.`),
    body,
    bodySize,
    truncated: (message.truncated as boolean | undefined) ?? false,
    latencyNanos: optionalNumber(message, "latency_nanos"),
    trailers: headers(message, "trailers", `${name}.`),
  };
}

/** A Body message: its data within the capture limit, its size not under the data, and cut exactly when the size says so. */
function capturedBody(message: WireMessage, name: string): CapturedBody {
  const body = (message.data as Buffer | undefined) ?? Buffer.alloc(0);
  if (body.length > L.bodyBytes) throw new PairError("too_large", `field "${name}.data" is longer than ${L.bodyBytes} bytes`);
  const bodySize = optionalNumber(message, "size");
  if (bodySize < body.length) throw new PairError("invalid_field", `field "${name}.size" (${bodySize}) is smaller than the data (${body.length} bytes)`);
  const truncated = (message.truncated as boolean | undefined) ?? false;
  if (truncated !== bodySize > body.length) {
    throw new PairError("invalid_field", `field "${name}.truncated" must be ${!truncated} for a size of ${bodySize} with ${body.length} bytes of data`);
  }
  return { body, bodySize, truncated };
}

function headers(parent: WireMessage, name: string, prefix = ""): Header[] {
  const list = (parent[name] as WireMessage[] | undefined) ?? [];
  if (list.length > L.headers) throw new PairError("too_large", `field "${prefix}${name}" has ${list.length} entries, more than ${L.headers}`);
  return list.map((header, index) => {
    const field = `${prefix}${name}[${index}]`;
    const headerName = optionalString(header, "name");
    if (headerName === "") throw new PairError("invalid_field", `field "${field}.name" is missing`);
    if (overBytes(headerName, L.headerNameBytes)) throw new PairError("too_large", `field "${field}.name" is longer than ${L.headerNameBytes} bytes`);
    const value = optionalString(header, "value");
    if (overBytes(value, L.headerValueBytes)) throw new PairError("too_large", `field "${field}.value" is longer than ${L.headerValueBytes} bytes`);
    return { name: headerName.toLowerCase(), value };
  });
}

function requiredString(message: WireMessage, name: string, maxBytes: number): string {
  const value = boundedString(message, name, maxBytes);
  if (value === "") throw new PairError("invalid_field", `field "${name}" is missing`);
  return value;
}

function boundedString(message: WireMessage, name: string, maxBytes: number): string {
  const value = optionalString(message, name);
  if (overBytes(value, maxBytes)) throw new PairError("too_large", `field "${name}" is longer than ${maxBytes} bytes`);
  return value;
}

/** Whether the UTF-8 encoding of `text` is over `maxBytes`; counted only when its length leaves a doubt. */
function overBytes(text: string, maxBytes: number): boolean {
  // A UTF-16 code unit takes 1 to 3 bytes in UTF-8.
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(text, "utf8") > maxBytes;
}

function optionalString(message: WireMessage, name: string): string {
  const value = message[name];
  return typeof value === "string" ? value : "";
}

function optionalNumber(message: WireMessage, name: string): number {
  const value = message[name];
  return typeof value === "number" ? value : 0;
}
