// The `grpc` block of the module that receives request bodies: which unary gRPC methods may be
// mirrored (the user declares them read-only), the largest request a copy carries, the worker's
// budget for the copies, and the trailers captured beside grpc-status and grpc-message. Every
// refusal names the key down to the field ("grpc.methods").
import { lowerAscii } from "./ascii";
import { HEADER_NAMES_RULE, integerRule, isHeaderName, isInteger, keyRefusal } from "./config-rules";
import { JsonKind, JsonValue } from "./json";
import { MAX_BODY_BUDGET_BYTES, MAX_MIRRORED_BODY_BYTES, MAX_NAME_CHARS } from "./limits";

export const METHODS_RULE = "must be a non-empty array of gRPC methods, each once: \"/package.Service/Method\" or \"/package.Service/*\"";

export class GrpcSettings {
  /** As configured: "/package.Service/Method", or "/package.Service/*" for every method of one service. */
  methods: Array<string> = [];
  maxBytes: u32 = 65536;
  budgetBytes: u32 = 8388608;
  /** Trailer names captured beside grpc-status and grpc-message, lower case. */
  trailers: Array<string> = [];
}

export const KEY = "grpc";

/** "" when `v` is a valid grpc block (read into `out`), else the refusal naming the field. */
export function grpcProblem(v: JsonValue, out: GrpcSettings): string {
  if (v.kind != JsonKind.Object) return keyRefusal(KEY, "must be an object");
  for (let i = 0; i < v.keys.length; i++) {
    const field = v.keys[i];
    const rule = v.keys.indexOf(field) < i ? "appears more than once" : grpcField(out, field, v.items[i]);
    if (rule.length > 0) return keyRefusal(KEY + "." + field, rule);
  }
  if (out.methods.length == 0) return keyRefusal(KEY + ".methods", "is required");
  // A copy is held whole until its request ends: one at the cap must fit.
  if (out.budgetBytes < out.maxBytes) {
    return keyRefusal(KEY + ".budget_bytes", "must be at least max_bytes (" + out.maxBytes.toString() + ")");
  }
  return "";
}

function grpcField(out: GrpcSettings, field: string, v: JsonValue): string {
  if (field == "methods") {
    if (v.kind != JsonKind.Array || v.items.length == 0) return METHODS_RULE;
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      if (item.kind != JsonKind.String || !isMethodName(item.text) || out.methods.includes(item.text)) return METHODS_RULE;
      out.methods.push(item.text);
    }
  } else if (field == "max_bytes") {
    if (!isInteger(v, 0, MAX_MIRRORED_BODY_BYTES)) return integerRule(0, MAX_MIRRORED_BODY_BYTES);
    out.maxBytes = <u32>v.number;
  } else if (field == "budget_bytes") {
    if (!isInteger(v, 1, MAX_BODY_BUDGET_BYTES)) return integerRule(1, MAX_BODY_BUDGET_BYTES);
    out.budgetBytes = <u32>v.number;
  } else if (field == "trailers") {
    if (v.kind != JsonKind.Array) return HEADER_NAMES_RULE;
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      if (item.kind != JsonKind.String || !isHeaderName(item.text)) return HEADER_NAMES_RULE;
      out.trailers.push(lowerAscii(item.text));
    }
  } else {
    return "is unknown";
  }
  return "";
}

/** "/" service "/" method, where the service is dotted identifiers (its package first, if any)
 * and the method an identifier or "*". As gRPC builds a path from a .proto, nothing else. */
export function isMethodName(text: string): bool {
  const length = text.length;
  if (length < 4 || length > MAX_NAME_CHARS || text.charCodeAt(0) != 0x2f) return false;
  const slash = text.indexOf("/", 1);
  if (slash < 0 || text.indexOf("/", slash + 1) >= 0) return false;
  const method = text.substring(slash + 1);
  return isDottedName(text.substring(1, slash)) && (method == "*" || isIdentifier(method));
}

/** Identifiers joined by single dots. */
function isDottedName(text: string): bool {
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) != 0x2e) continue;
    if (!isIdentifier(text.substring(start, i))) return false;
    start = i + 1;
  }
  return true;
}

/** A protobuf identifier: a letter or "_", then letters, digits and "_". */
function isIdentifier(text: string): bool {
  if (text.length == 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
    if (!letter && (i == 0 || c < 0x30 || c > 0x39)) return false;
  }
  return true;
}
