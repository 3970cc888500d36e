// A request's headers, read with one host call, in place, and walked once for what the decision
// and the mirror need: :method, :path, :authority, the request id, the sample header, and whether
// any spelling of the tag header is there. Nothing is copied and nothing is left in the heap: the
// one reader is reused by every request and released before on_request_headers returns.
import { PairsCursor, bytesEqual, copyBytes } from "../abi/headers";
import { InPlace, headerPairsInPlace, removeHeader } from "../abi/hostcalls";
import { MapType } from "../abi/types";
import { Config } from "./config";

const METHOD = String.UTF8.encode(":method");
const PATH = String.UTF8.encode(":path");
const AUTHORITY = String.UTF8.encode(":authority");
const REQUEST_ID = String.UTF8.encode("x-request-id");
const DASH: u8 = 0x2d;
const UNDERSCORE: u8 = 0x5f;

/** Whether a header name is the tag as a CGI server would read it, "_" and "-" alike
 * (x_shadow_request is x-shadow-request to PHP, WSGI and Rack). */
export function isTagSpelling(ptr: usize, size: usize, tag: ArrayBuffer): bool {
  if (size != <usize>tag.byteLength) return false;
  const tagBase = changetype<usize>(tag);
  for (let i: usize = 0; i < size; i++) {
    const a = load<u8>(ptr + i);
    const b = load<u8>(tagBase + i);
    if (a != b && !((a == DASH || a == UNDERSCORE) && (b == DASH || b == UNDERSCORE))) return false;
  }
  return true;
}

/** Where one header's value lies in the map; `found` false when absent. */
export class Found {
  found: bool = false;
  ptr: usize = 0;
  size: usize = 0;

  set(ptr: usize, size: usize): void {
    if (this.found) return; // the first value, as Envoy's getHeaderMapValue answers
    this.found = true;
    this.ptr = ptr;
    this.size = size;
  }
}

export class RequestHeaders {
  private map: InPlace | null = null;
  private cursor: PairsCursor = new PairsCursor(0, 0);
  readonly method: Found = new Found();
  readonly path: Found = new Found();
  readonly authority: Found = new Found();
  readonly requestId: Found = new Found();
  readonly sample: Found = new Found();
  tagged: bool = false;

  get ptr(): usize {
    const map = this.map;
    return map !== null ? map.ptr : 0;
  }

  get size(): usize {
    const map = this.map;
    return map !== null ? map.size : 0;
  }

  /** In on_request_headers: the request's map, walked once. */
  read(config: Config): void {
    this.map = headerPairsInPlace(MapType.HttpRequestHeaders);
    this.method.found = this.path.found = this.authority.found = this.requestId.found = this.sample.found = false;
    this.tagged = false;
    const cursor = this.cursor;
    cursor.reset(this.ptr, this.size);
    while (cursor.next()) {
      const name = cursor.namePtr;
      const nameSize = cursor.nameSize;
      const value = cursor.valuePtr;
      const valueSize = cursor.valueSize;
      if (bytesEqual(name, nameSize, METHOD)) this.method.set(value, valueSize);
      else if (bytesEqual(name, nameSize, PATH)) this.path.set(value, valueSize);
      else if (bytesEqual(name, nameSize, AUTHORITY)) this.authority.set(value, valueSize);
      else if (isTagSpelling(name, nameSize, config.tagHeaderKey)) this.tagged = true;
      if (bytesEqual(name, nameSize, REQUEST_ID)) this.requestId.set(value, valueSize);
      if (bytesEqual(name, nameSize, config.sampleHeaderKey)) this.sample.set(value, valueSize);
    }
  }

  /** Removes every spelling of the tag a client sent, so the primary never sees one. */
  stripTag(config: Config): void {
    const cursor = new PairsCursor(this.ptr, this.size);
    while (cursor.next()) {
      if (isTagSpelling(cursor.namePtr, cursor.nameSize, config.tagHeaderKey)) {
        removeHeader(MapType.HttpRequestHeaders, copyBytes(cursor.namePtr, cursor.nameSize));
      }
    }
  }

  /** Frees the map; nothing read from it may be used afterwards. */
  release(): void {
    const map = this.map;
    if (map !== null) map.release();
    this.map = null;
  }
}

/** The one reader: a request is read and released within its on_request_headers. */
export const requestHeaders = new RequestHeaders();
