import type { CapturedResponse, Header } from "../capture/pair.js";
import type { GrpcMessages } from "../grpc/grpc-messages.js";
import { decompressMessage, readFrames } from "../grpc/grpc-frames.js";
import { compareBodies, type BodyComparison, type BodyCompareOptions } from "./body-compare.js";
import type { Comparison, GrpcNote } from "./comparison.js";
import type { Difference } from "./difference.js";
import { preview } from "./difference.js";
import type { CompareLimits } from "./limits.js";
import { diffHeaders, headerValue } from "./status-headers.js";
import type { WorkBudget } from "./work-budget.js";

/** gRPC's status code as its trailers carry it: 0 to 16 in decimal (anything else as it came); null when absent. */
export function grpcStatusOf(trailers: readonly Header[]): number | string | null {
  const value = headerValue(trailers, "grpc-status");
  if (value === undefined) return null;
  return /^\d{1,2}$/.test(value) ? Number(value) : value;
}

/**
 * Trailers as a person reads them: grpc-message is percent-encoded on the wire (gRPC's
 * PROTOCOL-HTTP2: "%" and bytes outside printable ASCII), so it is decoded; a sequence that does
 * not decode is left as it came, as gRPC clients do.
 */
export function readableTrailers(trailers: readonly Header[]): Header[] {
  return trailers.map((trailer) => (trailer.name === "grpc-message" && trailer.value.includes("%") ? { name: trailer.name, value: percentDecoded(trailer.value) } : trailer));
}

function percentDecoded(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.charCodeAt(i) === 0x25 ? value.slice(i + 1, i + 3) : "";
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i] as string, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The gRPC statuses and the configured trailers, compared like the HTTP status and headers. */
export function diffGrpcStatus(primary: CapturedResponse, shadow: CapturedResponse, trailers: readonly string[]): Pick<Comparison, "trailers"> & { status?: GrpcNote["status"] } {
  const p = grpcStatusOf(primary.trailers);
  const s = grpcStatusOf(shadow.trailers);
  const differing = diffHeaders(readableTrailers(primary.trailers), readableTrailers(shadow.trailers), trailers);
  return { ...(p !== s ? { status: { primary: p, shadow: s } } : {}), ...(differing.length > 0 ? { trailers: differing } : {}) };
}

export type GrpcBodyComparison = (BodyComparison & { conclusive: true }) | { conclusive: false; reason: "too_large" | "budget" | "streaming" | "undecodable"; detail: string };

/**
 * Two answers' messages (bodies already known whole): each read as one length-prefixed message,
 * decompressed by its side's grpc-encoding, decoded through the descriptor sets as the method's
 * response type, and compared as proto3 JSON with the JSON engine. A message the descriptors
 * cannot read is compared as bytes, and `note` says why; a stream of messages is inconclusive.
 */
export function compareGrpcMessages(
  primary: CapturedResponse,
  shadow: CapturedResponse,
  path: string,
  messages: GrpcMessages,
  options: BodyCompareOptions,
  limits: CompareLimits,
  budget: WorkBudget,
  note: GrpcNote,
): GrpcBodyComparison {
  const bytes = (detail: string): GrpcBodyComparison => {
    note.messages = "bytes";
    note.detail = detail;
    return compareBodies(primary.body, shadow.body, "binary", options, budget) as BodyComparison & { conclusive: true };
  };
  if (primary.body.equals(shadow.body) && headerValue(primary.headers, "grpc-encoding") === headerValue(shadow.headers, "grpc-encoding")) {
    // The same bytes: the same messages, without reading them.
    note.messages = primary.body.length === 0 ? "none" : "bytes";
    if (primary.body.length > 0) note.detail = "both answers are the same bytes";
    return { conclusive: true, kind: primary.body.length === 0 ? "json" : "binary", differences: [], differencesCapped: false };
  }
  const p = readFrames(primary.body);
  const s = readFrames(shadow.body);
  if (p.kind === "many" || s.kind === "many") {
    const count = p.kind === "many" ? p.count : (s as { count: number }).count;
    return { conclusive: false, reason: "streaming", detail: `${p.kind === "many" ? "the primary" : "the shadow"} answered ${count} messages: a streaming call, not a unary one` };
  }
  if (p.kind === "corrupt") return bytes(`the primary's body is not one length-prefixed message: ${p.detail}`);
  if (s.kind === "corrupt") return bytes(`the shadow's body is not one length-prefixed message: ${s.detail}`);
  const types = messages.method(path);
  if (!types.ok) return bytes(types.detail);
  note.messageType = types.output.typeName;
  const json: Array<unknown> = [];
  for (const [side, frames, answer] of [["primary", p, primary], ["shadow", s, shadow]] as const) {
    if (frames.kind === "none") {
      json.push(undefined);
      continue;
    }
    let message = frames.message;
    if (frames.compressed) {
      const decompressed = decompressMessage(message, headerValue(answer.headers, "grpc-encoding"), limits.maxDecodedBytes);
      if (!decompressed.ok) return decompressed.reason === "too_large" ? { conclusive: false, reason: "too_large", detail: `${side}: ${decompressed.detail}` } : bytes(`${side}: ${decompressed.detail}`);
      message = decompressed.bytes;
    }
    const decoded = messages.decode(types.output, message);
    if (!decoded.ok) return bytes(`the ${side}'s message is ${decoded.detail}`);
    json.push(decoded.json);
  }
  note.messages = "decoded";
  const [pJson, sJson] = json;
  // One side answered no message at all: the whole message differs.
  if (pJson === undefined || sJson === undefined) {
    const difference: Difference = pJson === undefined ? { path: "$", kind: "added", shadow: preview(sJson) } : { path: "$", kind: "removed", primary: preview(pJson) };
    return { conclusive: true, kind: "json", differences: [difference], differencesCapped: false };
  }
  return compareBodies(Buffer.from(JSON.stringify(pJson)), Buffer.from(JSON.stringify(sJson)), "json", options, budget) as GrpcBodyComparison;
}
