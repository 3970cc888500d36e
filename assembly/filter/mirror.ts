// The shadow copy of a request: the same method, path, scheme and end-to-end headers, the
// configured authority and the tag header that marks it as shadow traffic. Built straight from
// the request's serialized header map into the serialized map proxy_http_call takes.
import { PairsCursor, bytesEqual, indexOfBytes } from "../abi/headers";
import { Config } from "./config";

const HOP_BY_HOP: Array<ArrayBuffer> = [
  String.UTF8.encode("connection"), String.UTF8.encode("keep-alive"), String.UTF8.encode("proxy-connection"),
  String.UTF8.encode("transfer-encoding"), String.UTF8.encode("te"), String.UTF8.encode("trailer"),
  String.UTF8.encode("upgrade"),
];
const CONNECTION = HOP_BY_HOP[0];
const AUTHORITY = String.UTF8.encode(":authority");

/** Header names listed in `connection` are hop-by-hop too (RFC 9110, 7.6.1). */
function connectionNamed(pairs: ArrayBuffer): Array<ArrayBuffer> {
  const names = new Array<ArrayBuffer>();
  const cursor = new PairsCursor(pairs);
  while (cursor.next()) {
    if (!cursor.nameIs(CONNECTION)) continue;
    const tokens = String.UTF8.decodeUnsafe(cursor.valuePtr, cursor.valueSize).split(",");
    for (let t = 0; t < tokens.length; t++) {
      const name = tokens[t].trim().toLowerCase();
      if (name.length > 0) names.push(String.UTF8.encode(name));
    }
  }
  return names;
}

function kept(config: Config, cursor: PairsCursor, dropped: Array<ArrayBuffer>): bool {
  const ptr = cursor.namePtr;
  const size = cursor.nameSize;
  if (indexOfBytes(HOP_BY_HOP, ptr, size) >= 0 || indexOfBytes(dropped, ptr, size) >= 0) return false;
  return !bytesEqual(ptr, size, AUTHORITY) && !bytesEqual(ptr, size, config.tagHeaderKey);
}

/** The shadow request's serialized header map: the request's entries in order, less hop-by-hop
 * ones, :authority and a client's tag; then :authority and the tag. */
export function shadowRequestPairs(config: Config, pairs: ArrayBuffer, requestAuthority: ArrayBuffer): ArrayBuffer {
  const dropped = connectionNamed(pairs);
  const authority = config.shadowAuthority.length > 0 ? config.shadowAuthorityBytes : requestAuthority;
  const tagName = config.tagHeaderKey;
  const tagValue = config.tagValueBytes;
  let count: usize = 2;
  let bytes: usize = <usize>(AUTHORITY.byteLength + authority.byteLength + tagName.byteLength + tagValue.byteLength + 4);
  let cursor = new PairsCursor(pairs);
  while (cursor.next()) {
    if (!kept(config, cursor, dropped)) continue;
    count++;
    bytes += cursor.nameSize + cursor.valueSize + 2;
  }
  const total: usize = <usize>4 + count * <usize>8 + bytes;
  const out = new ArrayBuffer(<i32>total);
  const base = changetype<usize>(out);
  store<u32>(base, <u32>count);
  let sizes = base + 4;
  let data = sizes + count * 8;
  cursor = new PairsCursor(pairs);
  while (cursor.next()) {
    if (!kept(config, cursor, dropped)) continue;
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
  writeEntry(sizes + 8, data, tagName, tagValue);
  return out;
}

function writeEntry(sizes: usize, data: usize, name: ArrayBuffer, value: ArrayBuffer): usize {
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
