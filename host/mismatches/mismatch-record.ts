import { isUtf8 } from "node:buffer";
import type { CapturedBody, CapturedResponse, Header, MirroredAnswer, Pair, ShadowFailureKind, TargetAnswer } from "../capture/pair.js";
import type { Comparison, Outcome } from "../compare/comparison.js";
import { foldIndices } from "../metrics/field-labels.js";
import type { HeaderDifference } from "../compare/status-headers.js";
import { readableTrailers } from "../compare/grpc-compare.js";
import type { BodyRedactor, StorableBody } from "./body-redaction.js";

// What the collector keeps of a mismatching (or inconclusive) pair: the fields lists and filters
// need, and the rest as one detail document. Everything is cut here, so that one example is
// bounded in bytes whatever the pair held, and bodies are redacted before anything is kept.

/** A body as kept: as UTF-8 text when it is valid UTF-8, else base64. */
export interface StoredBody {
  body: string;
  bodyEncoding: "utf8" | "base64";
  /** Bytes of the body kept (at most 64 KiB per body). */
  storedBytes: number;
  /** The body is kept decoded: its content-encoding was undone to redact it. */
  bodyDecoded?: true;
  /** Values of the body were replaced by "[redacted]" (examples.redactBodyPaths). */
  bodyRedacted?: true;
  /** Less of the (decoded) body is kept than there was: it was cut at the stored bytes. */
  bodyCut?: true;
  /** Why no body is kept: a JSON body (or a gRPC message) that could not be redacted. */
  bodyWithheld?: string;
  /** A gRPC message, kept as the proto3 JSON form of this type (`package.Message`), decoded through the descriptor sets. */
  grpcMessage?: string;
  bodySize: number;
  /** Only the start of the body was captured (the filter's max_body_bytes). */
  truncated: boolean;
}

/** One response as kept. */
export interface StoredResponse extends StoredBody {
  status: number;
  headers: Header[];
  /** Headers past the stored bytes (16 KiB) were cut or left out. */
  headersCut?: true;
  /** A gRPC call's trailers (grpc-status, grpc-message, the configured ones). */
  trailers?: Header[];
  latencySeconds: number;
}

/**
 * The secondary (the primary's own version asked again) of a pair that had one: its answer, kept
 * like the target's, and how it differed from the primary's.
 */
export interface StoredSecondary {
  response: StoredResponse | null;
  failure: ShadowFailureKind | null;
  /** Its comparison with the primary, cut like the target's; null when it gave no answer. */
  comparison: Comparison | null;
}

/** Everything kept that lists never read. */
export interface MismatchDetail {
  authority: string;
  proxyId: string;
  configVersion: string;
  requestHeaders: Header[];
  requestHeadersCut?: true;
  /** The body mirrored with the request; absent when none was (and in examples kept before request bodies were). */
  requestBody?: StoredBody;
  /** A gRPC call: the descriptor set files its messages were read with (base names, for grpcurl's -protoset). */
  grpc?: { descriptorSets: string[] };
  primary: StoredResponse;
  shadow: StoredResponse | null;
  comparison: Comparison;
  /** The primary's trace id; absent when the request carried none (and in examples kept before trace ids were). */
  traceId?: string;
  /** Absent when the pair had no secondary (and in examples kept before secondaries were). */
  secondary?: StoredSecondary;
}

export interface MismatchRecord {
  pairId: string;
  route: string;
  /** The target whose answer this is (its label: the configured name, or `other` past the cap). */
  target: string;
  outcome: Outcome;
  method: string;
  path: string;
  shadowFailure: ShadowFailureKind | null;
  /** One line saying what differed. */
  summary: string;
  detail: MismatchDetail;
}

/** Per example: bytes of each body, bytes of each header list, differences and their paths. */
export const STORED_LIMITS = {
  bodyBytes: 64 * 1024,
  headerBytes: 16 * 1024,
  differences: 100,
  pathChars: 512,
  headerDifferenceChars: 1024,
} as const;
const SUMMARY_DIFFERENCES = 5;
const SUMMARY_PATH_CHARS = 200;

/** The pair's secondary as the pipeline saw it: its answer and its comparison with the primary (null when it failed). */
export interface SecondarySide {
  answer: MirroredAnswer;
  comparison: Comparison | null;
}

/**
 * The example of one target's comparison; `target` is its label, `answer` what it answered,
 * `secondary` the pair's secondary when it had one (its body is kept and redacted like the others).
 */
export function mismatchRecord(pair: Pair, route: string, target: string, answer: TargetAnswer, comparison: Comparison, bodies: BodyRedactor, secondary?: SecondarySide): MismatchRecord {
  const requestHeaders = storedHeaders(pair.requestHeaders);
  const grpc = pair.grpc ? pair.path : undefined;
  const requestBody = (body: CapturedBody) =>
    storedBody(body, grpc !== undefined ? bodies.storableGrpc(body, pair.requestHeaders, grpc, "input") : bodies.storableRequest(body, pair.requestHeaders));
  return {
    pairId: pair.id,
    route,
    target,
    outcome: comparison.outcome,
    method: pair.method,
    path: pair.path,
    shadowFailure: answer.failure,
    summary: summarize(comparison),
    detail: {
      authority: pair.authority,
      proxyId: pair.proxyId,
      configVersion: pair.configVersion,
      requestHeaders: requestHeaders.headers,
      ...(requestHeaders.cut ? { requestHeadersCut: true as const } : {}),
      ...(pair.requestBody ? { requestBody: requestBody(pair.requestBody) } : {}),
      ...(grpc !== undefined ? { grpc: { descriptorSets: bodies.descriptorSetNames } } : {}),
      primary: storedResponse(pair.primary, bodies, grpc),
      shadow: answer.response ? storedResponse(answer.response, bodies, grpc) : null,
      comparison: storedComparison(comparison),
      ...(pair.traceId === "" ? {} : { traceId: pair.traceId }),
      ...(secondary === undefined ? {} : { secondary: storedSecondary(secondary, bodies, grpc) }),
    },
  };
}

function storedSecondary({ answer, comparison }: SecondarySide, bodies: BodyRedactor, grpcPath?: string): StoredSecondary {
  return {
    response: answer.response ? storedResponse(answer.response, bodies, grpcPath) : null,
    failure: answer.failure,
    comparison: answer.response && comparison !== null ? storedComparison(comparison) : null,
  };
}

/** One answer as kept; `grpcPath`: a gRPC call's method, whose response type its message is. */
function storedResponse(response: CapturedResponse, bodies: BodyRedactor, grpcPath?: string): StoredResponse {
  const headers = storedHeaders(response.headers);
  const trailers = storedHeaders(readableTrailers(response.trailers));
  return {
    status: response.status,
    headers: headers.headers,
    ...(headers.cut || trailers.cut ? { headersCut: true as const } : {}),
    ...(grpcPath !== undefined ? { trailers: trailers.headers } : {}),
    ...storedBody(response, grpcPath !== undefined ? bodies.storableGrpc(response, response.headers, grpcPath, "output") : bodies.storable(response)),
    latencySeconds: response.latencyNanos / 1e9,
  };
}

function storedBody(captured: CapturedBody, storable: StorableBody): StoredBody {
  const withheld = "withheld" in storable;
  const kept = withheld ? Buffer.alloc(0) : utf8Prefix(storable.bytes, STORED_LIMITS.bodyBytes);
  const cut = !withheld && kept.length < storable.bytes.length;
  const utf8 = isUtf8(kept);
  return {
    body: kept.toString(utf8 ? "utf8" : "base64"),
    bodyEncoding: utf8 ? "utf8" : "base64",
    storedBytes: kept.length,
    ...(withheld ? { bodyWithheld: storable.withheld } : storable.decoded ? { bodyDecoded: true as const } : {}),
    ...(!withheld && storable.redacted ? { bodyRedacted: true as const } : {}),
    ...(!withheld && storable.messageType !== undefined ? { grpcMessage: storable.messageType } : {}),
    ...(cut ? { bodyCut: true as const } : {}),
    bodySize: captured.bodySize,
    truncated: captured.truncated,
  };
}

/** At most `max` bytes, not cutting a UTF-8 character in two (bytes that are not UTF-8 are cut anywhere). */
function utf8Prefix(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  // Back off over continuation bytes (10xxxxxx) to the start of the character cut in two.
  for (let back = 0; back < 3 && end > 0 && ((bytes[end] as number) & 0xc0) === 0x80; back++) end--;
  return bytes.subarray(0, end);
}

/** The headers in order until their names and values reach STORED_LIMITS.headerBytes; the last one kept may be cut. */
function storedHeaders(headers: readonly Header[]): { headers: Header[]; cut: boolean } {
  const kept: Header[] = [];
  let room = STORED_LIMITS.headerBytes;
  for (const header of headers) {
    const size = header.name.length + header.value.length;
    if (size <= room) {
      kept.push(header);
      room -= size;
      continue;
    }
    if (room > header.name.length) kept.push({ name: header.name, value: `${header.value.slice(0, room - header.name.length)}…` });
    return { headers: kept, cut: true };
  }
  return { headers: kept, cut: false };
}

/** The comparison with its lists and long texts cut to the stored limits. */
function storedComparison(comparison: Comparison): Comparison {
  const stored: Comparison = {
    ...comparison,
    headers: comparison.headers.map(storedHeaderDifference),
    ...(comparison.trailers !== undefined ? { trailers: comparison.trailers.map(storedHeaderDifference) } : {}),
  };
  const body = comparison.body;
  if (body !== undefined) {
    const differences = body.differences.slice(0, STORED_LIMITS.differences).map((difference) => ({ ...difference, path: cut(difference.path, STORED_LIMITS.pathChars) }));
    stored.body = { ...body, differences, differencesCapped: body.differencesCapped || body.differences.length > differences.length };
  }
  return stored;
}

function storedHeaderDifference(header: HeaderDifference): HeaderDifference {
  return { name: header.name, primary: cut(header.primary, STORED_LIMITS.headerDifferenceChars), shadow: cut(header.shadow, STORED_LIMITS.headerDifferenceChars) };
}

function cut<T extends string | null>(text: T, max: number): T {
  return (text !== null && text.length > max ? `${text.slice(0, max)}…` : text) as T;
}

/**
 * One line saying what differed, for lists: regressions first, then differences not settled yet as
 * noise or regression; noise only counted, after them. Differences on one field (array indices
 * folded) are said once, with how many there are.
 */
export function summarize(comparison: Comparison): string {
  if (comparison.shadowFailure) return `shadow failed: ${comparison.shadowFailure}`;
  const key = (field: string, kind: string) => `${field}\u0000${kind}`;
  const noise = new Set((comparison.noise?.cancelled ?? []).map(({ field, kind }) => key(field, kind)));
  const pending = new Set((comparison.noise?.pending ?? []).map(({ field, kind }) => key(field, kind)));
  /** Per field and kind, in the order first seen: what to say of one difference there, and how many there are. */
  const groups = new Map<string, { field: string; kind: string; text: string; count: number }>();
  let noiseCount = 0;
  const place = (field: string, kind: string, text: string) => {
    if (noise.has(key(field, kind))) {
      noiseCount++;
      return;
    }
    const group = groups.get(key(field, kind));
    if (group === undefined) groups.set(key(field, kind), { field, kind, text, count: 1 });
    else group.count++;
  };
  if (comparison.status) place("status", "status", `status ${comparison.status.primary} → ${comparison.status.shadow}`);
  const grpcStatus = comparison.grpc?.status;
  if (grpcStatus) place("grpc-status", "status", `grpc-status ${grpcStatus.primary ?? "none"} → ${grpcStatus.shadow ?? "none"}`);
  for (const header of comparison.headers) place(header.name, "header", `header ${header.name}`);
  for (const trailer of comparison.trailers ?? []) place(`trailer ${trailer.name}`, "header", `trailer ${trailer.name}`);
  for (const difference of comparison.body?.differences ?? []) place(foldIndices(difference.path), difference.kind, `${difference.kind} ${cut(difference.path, SUMMARY_PATH_CHARS)}`);
  const said = (group: { field: string; kind: string; text: string; count: number }) =>
    group.count === 1 ? group.text : `${group.kind} ${cut(group.field, SUMMARY_PATH_CHARS)} ×${group.count}`;
  const all = [...groups.values()];
  const regressions = all.filter((group) => !pending.has(key(group.field, group.kind))).map(said);
  const unsettled = all.filter((group) => pending.has(key(group.field, group.kind))).map((group) => `${said(group)} (not settled)`);
  const listed = [...regressions, ...unsettled];
  const parts = listed.slice(0, SUMMARY_DIFFERENCES);
  if (listed.length > SUMMARY_DIFFERENCES) parts.push(`… ${listed.length - SUMMARY_DIFFERENCES} more`);
  // Not settled is said difference by difference above; other reasons here.
  if (comparison.inconclusive && comparison.inconclusive.reason !== "noise_pending") parts.push(`inconclusive: ${comparison.inconclusive.reason}`);
  if (noiseCount > 0) parts.push(`${noiseCount} noise ${noiseCount === 1 ? "difference" : "differences"} cancelled`);
  return parts.join("; ");
}
