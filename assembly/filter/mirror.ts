// The mirrored copy of a request: the same method, path, scheme and end-to-end headers, the side's
// authority and the tag header that marks it as shadow traffic. Built straight from
// the request's serialized header map into the serialized map proxy_http_call takes. The client's
// framing headers (content-length, transfer-encoding) never go: a copy of a body-less request
// carries none, and a copy with its body (request_bodies) the content-length of the body it sends.
// The trace context goes as trace_context says (trace-context.ts).
import { PairsCursor, bytesEqual, indexOfBytes } from "../abi/headers";
import { lowerAsciiBytes } from "./ascii";
import { Config } from "./config";
import { isTagSpelling } from "./request-headers";
import { TraceContext, TraceMode } from "./trace-context";

const HOP_BY_HOP: Array<ArrayBuffer> = [
  String.UTF8.encode("connection"), String.UTF8.encode("keep-alive"), String.UTF8.encode("proxy-connection"),
  String.UTF8.encode("transfer-encoding"), String.UTF8.encode("te"), String.UTF8.encode("trailer"),
  String.UTF8.encode("upgrade"), String.UTF8.encode("content-length"),
];
const CONNECTION = HOP_BY_HOP[0];
const AUTHORITY = String.UTF8.encode(":authority");
const CONTENT_LENGTH = HOP_BY_HOP[7];
const COMMA: u8 = 0x2c;

/** Header names listed in `connection` are hop-by-hop too (RFC 9110, 7.6.1). */
function connectionNamed(base: usize, size: usize): Array<ArrayBuffer> {
  const names = new Array<ArrayBuffer>();
  const cursor = new PairsCursor(base, size);
  while (cursor.next()) {
    if (!cursor.nameIs(CONNECTION)) continue;
    const value = cursor.valuePtr;
    const end = cursor.valueSize;
    let start: usize = 0;
    for (let i: usize = 0; i <= end; i++) {
      if (i < end && load<u8>(value + i) != COMMA) continue;
      let from = start;
      let to = i;
      while (from < to && isSpace(load<u8>(value + from))) from++;
      while (to > from && isSpace(load<u8>(value + to - 1))) to--;
      if (to > from) names.push(lowerAsciiBytes(value + from, to - from));
      start = i + 1;
    }
  }
  return names;
}

function isSpace(c: u8): bool {
  return c == 0x20 || c == 0x09;
}

function kept(config: Config, cursor: PairsCursor, dropped: Array<ArrayBuffer>, trace: TraceContext): bool {
  const ptr = cursor.namePtr;
  const size = cursor.nameSize;
  if (indexOfBytes(HOP_BY_HOP, ptr, size) >= 0 || indexOfBytes(dropped, ptr, size) >= 0) return false;
  return !bytesEqual(ptr, size, AUTHORITY) && !isTagSpelling(ptr, size, config.tagHeaderKey) && trace.forwards(config.traceContext, ptr, size);
}

/** The copy's serialized header map: the request's entries (the `size` bytes at `base`) in
 * order, less hop-by-hop and framing ones, :authority, a client's tag and the trace headers
 * trace_context does not forward; then `authority`, the tag and the trace headers it marks
 * (`trace` has read the same map). */
export function shadowRequestPairs(config: Config, base: usize, size: usize, authority: ArrayBuffer, trace: TraceContext): ArrayBuffer {
  const dropped = connectionNamed(base, size);
  const tagName = config.tagHeaderKey;
  const tagValue = config.tagValueBytes;
  const marked = config.traceContext == TraceMode.Mark;
  const marks = marked ? trace.mark() : null;
  let count: usize = 2 + (marks !== null ? marks.count : 0);
  let bytes: usize = <usize>(AUTHORITY.byteLength + authority.byteLength + tagName.byteLength + tagValue.byteLength + 4) +
    (marks !== null ? marks.bytes : 0);
  let cursor = new PairsCursor(base, size);
  while (cursor.next()) {
    if (!kept(config, cursor, dropped, trace)) continue;
    count++;
    bytes += cursor.nameSize + cursor.valueSize + 2;
  }
  const total: usize = <usize>4 + count * <usize>8 + bytes;
  const out = new ArrayBuffer(<i32>total);
  const outBase = changetype<usize>(out);
  store<u32>(outBase, <u32>count);
  let sizes = outBase + 4;
  let data = sizes + count * 8;
  cursor = new PairsCursor(base, size);
  while (cursor.next()) {
    if (!kept(config, cursor, dropped, trace)) continue;
    store<u32>(sizes, <u32>cursor.nameSize);
    store<u32>(sizes + 4, <u32>cursor.valueSize);
    sizes += 8;
    // Name, NUL, value, NUL lie together in the request's map: one copy, terminators rewritten.
    memory.copy(data, cursor.namePtr, cursor.nameSize + cursor.valueSize + 2);
    store<u8>(data + cursor.nameSize, 0);
    data += cursor.nameSize + cursor.valueSize + 2;
    store<u8>(data - 1, 0);
  }
  data = writeEntry(sizes, data, AUTHORITY, authority);
  data = writeEntry(sizes + 8, data, tagName, tagValue);
  if (marked) trace.writeMarks(sizes + 16, data);
  return out;
}

/** `pairs` (a serialized header map) and a content-length of `length`, as a new map. */
export function withContentLength(pairs: ArrayBuffer, length: i32): ArrayBuffer {
  return withEntry(pairs, CONTENT_LENGTH, String.UTF8.encode(length.toString()));
}

/** `pairs` and one entry more, as a new map. */
export function withEntry(pairs: ArrayBuffer, name: ArrayBuffer, value: ArrayBuffer): ArrayBuffer {
  const base = changetype<usize>(pairs);
  const count = <usize>load<u32>(base);
  const sizesEnd = base + 4 + count * 8;
  const dataSize = <usize>pairs.byteLength - 4 - count * 8;
  const out = new ArrayBuffer(pairs.byteLength + 8 + name.byteLength + value.byteLength + 2);
  const outBase = changetype<usize>(out);
  store<u32>(outBase, <u32>(count + 1));
  memory.copy(outBase + 4, base + 4, count * 8);
  const data = outBase + 4 + (count + 1) * 8;
  memory.copy(data, sizesEnd, dataSize);
  writeEntry(outBase + 4 + count * 8, data + dataSize, name, value);
  return out;
}

/** One entry of a serialized header map: its sizes at `sizes`, name and value (each NUL-ended) at
 * `data`; returns where the data ends. */
export function writeEntry(sizes: usize, data: usize, name: ArrayBuffer, value: ArrayBuffer): usize {
  const nameSize = <usize>name.byteLength;
  const valueSize = <usize>value.byteLength;
  store<u32>(sizes, <u32>nameSize);
  store<u32>(sizes + 4, <u32>valueSize);
  memory.copy(data, changetype<usize>(name), nameSize);
  store<u8>(data + nameSize, 0);
  memory.copy(data + nameSize + 1, changetype<usize>(value), valueSize);
  store<u8>(data + nameSize + 1 + valueSize, 0);
  return data + nameSize + valueSize + 2;
}
