// The request's trace context (W3C traceparent, tracestate, baggage; B3 single and multi), read in
// place: the primary's trace id a pair carries, and what a mirrored copy carries of it
// (trace_context). "keep" forwards every header as it came. "mark" (the default) makes the copy a
// new span of the same trace, marked as shadow traffic: a new parent span id in traceparent and B3
// (B3 names the primary's span as its parent), `shadowdiff=shadow` first in tracestate, and
// OpenTelemetry's `user_agent.synthetic.type=test` last in baggage (last, so it wins over a value
// the client set). "drop" forwards none of it. Names are ASCII string literals, compared and
// written byte by byte: static data, no start-up code.
import { PairsCursor, copyBytes } from "../abi/headers";
import { randomU64 } from "../abi/hostcalls";
import { mix64 } from "./hash";

export namespace TraceMode {
  export const Keep: i32 = 0;
  export const Mark: i32 = 1;
  export const Drop: i32 = 2;
}
/** trace_context's values, in TraceMode's order. */
export const TRACE_MODES: Array<string> = ["keep", "mark", "drop"];

// Header kinds: an index in NAMES, or one of the two below.
const PARENT = 0;
const STATE = 1;
const BAGGAGE = 2;
const B3 = 3;
const B3_TRACE_ID = 4;
const B3_SPAN_ID = 5;
const B3_PARENT_SPAN_ID = 6;
const NAMES: StaticArray<string> = ["traceparent", "tracestate", "baggage", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid"];
/** x-b3-sampled, x-b3-flags: forwarded with a valid B3 trace and span. */
const B3_OTHER = 7;
const NOT_TRACE = -1;

/** The mark: a tracestate member of shadowdiff's own key, and OpenTelemetry's attribute for
 * synthetic traffic as a baggage entry. */
const STATE_MEMBER = "shadowdiff=shadow";
const STATE_KEY = "shadowdiff=";
const BAGGAGE_MARK = ",user_agent.synthetic.type=test";
/** W3C: a tracestate holds at most 32 members. */
const MAX_STATE_MEMBERS = 32;
const DASH: u8 = 0x2d;
const COMMA: u8 = 0x2c;

/** The `size` bytes at `ptr` are `name` (ASCII), or start with it when `prefix`. */
function isAscii(ptr: usize, size: usize, name: string, prefix: bool): bool {
  const n = <usize>name.length;
  if (prefix ? size < n : size != n) return false;
  for (let i: usize = 0; i < n; i++) {
    if (<u32>load<u8>(ptr + i) != <u32>name.charCodeAt(<i32>i)) return false;
  }
  return true;
}

function kindOf(ptr: usize, size: usize): i32 {
  for (let i = 0; i < NAMES.length; i++) if (isAscii(ptr, size, unchecked(NAMES[i]), false)) return i;
  return isAscii(ptr, size, "x-b3-", true) ? B3_OTHER : NOT_TRACE;
}

function isHex(c: u8): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
}

/** Lower-case hex digits, not all zero (an all-zero id is invalid in W3C and B3). */
function isId(ptr: usize, size: usize): bool {
  let nonZero = false;
  for (let i: usize = 0; i < size; i++) {
    const c = load<u8>(ptr + i);
    if (!isHex(c)) return false;
    if (c != 0x30) nonZero = true;
  }
  return nonZero;
}

function isSampling(c: u8): bool {
  return c == 0x30 || c == 0x31 || c == 0x64;
}

/** W3C traceparent: version-traceid-parentid-flags, each lower-case hex; version ff is invalid,
 * and a later version than 00 may carry more after a dash. */
function validParent(ptr: usize, size: usize): bool {
  if (size < 55 || load<u8>(ptr + 2) != DASH || load<u8>(ptr + 35) != DASH || load<u8>(ptr + 52) != DASH) return false;
  const v0 = load<u8>(ptr);
  const v1 = load<u8>(ptr + 1);
  if (!isHex(v0) || !isHex(v1) || (v0 == 0x66 && v1 == 0x66) || !isHex(load<u8>(ptr + 53)) || !isHex(load<u8>(ptr + 54))) return false;
  if (size > 55 && ((v0 == 0x30 && v1 == 0x30) || load<u8>(ptr + 55) != DASH)) return false;
  return isId(ptr + 3, 32) && isId(ptr + 36, 16);
}

/** B3 single: where its span id starts (after the trace id and a dash), when the header is
 * traceid-spanid[-sampling[-parentspanid]] with valid ids; 0 otherwise. */
function b3SpanAt(ptr: usize, size: usize): usize {
  const traceSize: usize = size >= 33 && load<u8>(ptr + 32) == DASH ? 32 : 16;
  const at = traceSize + 1;
  if (size < at + 16 || load<u8>(ptr + traceSize) != DASH || !isId(ptr, traceSize) || !isId(ptr + at, 16)) return 0;
  const rest = size - at - 16;
  // Nothing, or "-" and the sampling decision (0, 1 or d), then maybe "-" and a parent span id.
  if (rest != 0 && rest != 2 && rest != 19) return 0;
  if (rest > 0 && (load<u8>(ptr + at + 16) != DASH || !isSampling(load<u8>(ptr + at + 17)))) return 0;
  if (rest == 19 && (load<u8>(ptr + at + 18) != DASH || !isId(ptr + at + 19, 16))) return 0;
  return at;
}

// Span ids: SplitMix64 from host randomness drawn once per configuration, so a copy costs no
// host call. They need to be unique in their trace, not secret.
let spanState: u64 = 0;

/** In on_configure (no host call may run while the module starts). */
export function seedSpanIds(): void {
  spanState = randomU64();
}

function newSpanId(): u64 {
  spanState += 0x9e3779b97f4a7c15;
  const id = mix64(spanState);
  return id != 0 ? id : 1;
}

/** 16 lower-case hex digits of `value` at `at`. */
function putHex(at: usize, value: u64): void {
  for (let i: usize = 0; i < 16; i++) {
    const digit = <u8>((value >> ((15 - i) * 4)) & 0xf);
    store<u8>(at + i, digit < 10 ? 0x30 + digit : 0x57 + digit);
  }
}

/** One read of a request's map: where each trace header's value lies, valid only while the map is
 * (within on_request_headers). */
export class TraceContext {
  /** Per kind (an index in NAMES): where the first such header's value lies, 0 when none. */
  private at: StaticArray<usize> = new StaticArray<usize>(7);
  private size: StaticArray<usize> = new StaticArray<usize>(7);
  private parentValid: bool = false;
  /** Where b3's span id starts; 0 when b3 does not name a valid trace and span. */
  private b3Span: usize = 0;
  /** x-b3-traceid and x-b3-spanid are both valid. */
  private b3Valid: bool = false;
  /** What mark() made, per kind. */
  private marked: StaticArray<ArrayBuffer> = new StaticArray<ArrayBuffer>(7);

  private ptr(kind: i32): usize {
    return unchecked(this.at[kind]);
  }

  private len(kind: i32): usize {
    return unchecked(this.size[kind]);
  }

  read(base: usize, size: usize): void {
    const at = this.at;
    for (let i = 0; i < at.length; i++) unchecked(at[i] = 0);
    const cursor = new PairsCursor(base, size);
    while (cursor.next()) {
      const kind = kindOf(cursor.namePtr, cursor.nameSize);
      // The first of each, as Envoy's getHeaderMapValue answers.
      if (kind >= 0 && kind < B3_OTHER && this.ptr(kind) == 0) {
        unchecked(at[kind] = cursor.valuePtr);
        unchecked(this.size[kind] = cursor.valueSize);
      }
    }
    this.parentValid = this.ptr(PARENT) != 0 && validParent(this.ptr(PARENT), this.len(PARENT));
    this.b3Span = this.ptr(B3) != 0 ? b3SpanAt(this.ptr(B3), this.len(B3)) : 0;
    const traceIdSize = this.len(B3_TRACE_ID);
    this.b3Valid = this.ptr(B3_TRACE_ID) != 0 && (traceIdSize == 16 || traceIdSize == 32) && isId(this.ptr(B3_TRACE_ID), traceIdSize) &&
      this.ptr(B3_SPAN_ID) != 0 && this.len(B3_SPAN_ID) == 16 && isId(this.ptr(B3_SPAN_ID), 16);
  }

  /** The primary's trace id, as capture.proto's Pair.trace_id takes it: 32 (or 16, 64-bit B3)
   * lower-case hex digits; empty when the request carries none. */
  traceId(): ArrayBuffer {
    if (this.parentValid) return copyBytes(this.ptr(PARENT) + 3, 32);
    if (this.b3Span != 0) return copyBytes(this.ptr(B3), this.b3Span - 1);
    return this.b3Valid ? copyBytes(this.ptr(B3_TRACE_ID), this.len(B3_TRACE_ID)) : new ArrayBuffer(0);
  }

  /** Whether the copy carries the header named by the `size` bytes at `ptr` as it came. */
  forwards(mode: i32, ptr: usize, size: usize): bool {
    if (mode == TraceMode.Keep) return true;
    const kind = kindOf(ptr, size);
    if (kind == NOT_TRACE) return true;
    // x-b3-traceid, -sampled and -flags go as they came with a valid trace and span; the span
    // headers are made anew, and so is everything else "mark" forwards.
    return mode == TraceMode.Mark && this.b3Valid && (kind == B3_TRACE_ID || kind == B3_OTHER);
  }

  /** Makes the values "mark" gives a copy, with a span id of its own (per kind in `marked`,
   * empty for none); returns how many headers they are, and their bytes in a serialized map. */
  mark(): MarkSize {
    const marked = this.marked;
    for (let i = 0; i < marked.length; i++) unchecked(marked[i] = NONE);
    const span = newSpanId();
    if (this.parentValid) {
      // Version 00 (what this filter writes), the same trace and flags, the copy's span.
      const parent = copyBytes(this.ptr(PARENT), 55);
      store<u16>(changetype<usize>(parent), 0x3030);
      putHex(changetype<usize>(parent) + 36, span);
      unchecked(marked[PARENT] = parent);
      unchecked(marked[STATE] = markedState(this.ptr(STATE), this.len(STATE)));
    }
    const b3Span = this.b3Span;
    if (b3Span != 0) {
      // The trace and the sampling decision stay; the primary's span becomes the parent.
      const b3 = this.ptr(B3);
      const sampled = this.len(B3) > b3Span + 16;
      const value = new ArrayBuffer(<i32>(b3Span + (sampled ? 35 : 16)));
      const v = changetype<usize>(value);
      memory.copy(v, b3, b3Span + (sampled ? 18 : 0));
      putHex(v + b3Span, span);
      if (sampled) {
        store<u8>(v + b3Span + 18, DASH);
        memory.copy(v + b3Span + 19, b3 + b3Span, 16);
      }
      unchecked(marked[B3] = value);
    }
    if (this.b3Valid) {
      const value = new ArrayBuffer(16);
      putHex(changetype<usize>(value), span);
      unchecked(marked[B3_SPAN_ID] = value);
      unchecked(marked[B3_PARENT_SPAN_ID] = copyBytes(this.ptr(B3_SPAN_ID), 16));
    }
    unchecked(marked[BAGGAGE] = joined(this.ptr(BAGGAGE), this.len(BAGGAGE), BAGGAGE_MARK));
    const size = markSize;
    size.count = size.bytes = 0;
    for (let i = 0; i < marked.length; i++) {
      const value = unchecked(marked[i]).byteLength;
      if (value == 0) continue;
      size.count++;
      size.bytes += <usize>(unchecked(NAMES[i]).length + value + 2);
    }
    return size;
  }

  /** The marked headers, as serialized map entries: their sizes from `sizes`, their names and
   * values from `data`. */
  writeMarks(sizes: usize, data: usize): void {
    const marked = this.marked;
    for (let i = 0; i < marked.length; i++) {
      const value = unchecked(marked[i]);
      const valueSize = <usize>value.byteLength;
      if (valueSize == 0) continue;
      const name = unchecked(NAMES[i]);
      store<u32>(sizes, <u32>name.length);
      store<u32>(sizes + 4, <u32>valueSize);
      sizes += 8;
      data = putAscii(data, name);
      store<u8>(data, 0);
      memory.copy(data + 1, changetype<usize>(value), valueSize);
      store<u8>(data + 1 + valueSize, 0);
      data += valueSize + 2;
    }
  }
}

export class MarkSize {
  count: usize = 0;
  bytes: usize = 0;
}
const markSize = new MarkSize();
const NONE = new ArrayBuffer(0);

/** Writes `text` (ASCII) at `at`; returns where it ends. */
function putAscii(at: usize, text: string): usize {
  for (let i = 0; i < text.length; i++) store<u8>(at++, <u8>text.charCodeAt(i));
  return at;
}

/** The `size` bytes at `ptr`, then `tail` (ASCII, starting with a comma), without its comma when
 * there are none. */
function joined(ptr: usize, size: usize, tail: string): ArrayBuffer {
  if (size == 0) tail = tail.substring(1);
  const out = new ArrayBuffer(<i32>size + tail.length);
  const base = changetype<usize>(out);
  memory.copy(base, ptr, size);
  putAscii(base + size, tail);
  return out;
}

/** `shadowdiff=shadow`, then the request's members but any of shadowdiff's own, up to W3C's 32. */
function markedState(ptr: usize, size: usize): ArrayBuffer {
  const base = changetype<usize>(new ArrayBuffer(STATE_MEMBER.length + <i32>size + 1));
  let end = putAscii(base, STATE_MEMBER);
  let members = 1;
  let start: usize = 0;
  for (let i: usize = 0; i <= size && members < MAX_STATE_MEMBERS; i++) {
    if (i < size && load<u8>(ptr + i) != COMMA) continue;
    let from = start;
    while (from < i && (load<u8>(ptr + from) == 0x20 || load<u8>(ptr + from) == 0x09)) from++;
    start = i + 1;
    if (from == i || isAscii(ptr + from, i - from, STATE_KEY, true)) continue;
    store<u8>(end, COMMA);
    memory.copy(end + 1, ptr + from, i - from);
    end += i - from + 1;
    members++;
  }
  return copyBytes(base, end - base);
}

/** The one reader: read by startPair and used to build the copies within the same
 * on_request_headers. */
export const traceContext = new TraceContext();
