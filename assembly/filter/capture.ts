// What is kept of one side's answer (the primary's or a shadow's): its status, the configured
// headers (redacted), and its body up to max_body_bytes, with the body's whole size.
import { Header, statusOf } from "../abi/headers";
import { bufferBytesInPlace, headerPairsInPlace } from "../abi/hostcalls";
import { BufferType, MapType } from "../abi/types";
import { ByteBuffer } from "./byte-buffer";
import { Config } from "./config";
import { selectPairs } from "./redact";

/** A body copy bounded by max_body_bytes; the total size keeps counting past it. The only place
 * either is written. */
export class BodyCapture {
  /** The body's first bytes, up to the cap. */
  readonly kept: ByteBuffer = new ByteBuffer();
  private seen: u64 = 0;

  constructor(public readonly cap: i32) {}

  /** Every byte of the body, kept or not. */
  get total(): u64 {
    return this.seen;
  }

  truncated(): bool {
    return this.seen > <u64>this.kept.length;
  }

  /** A chunk of `size` bytes in the host's `buffer`: all of it counted, what still fits under
   * the cap copied from where the host holds it. */
  readChunk(buffer: BufferType, size: usize): void {
    this.seen += <u64>size;
    const room = <usize>(this.cap - this.kept.length);
    const take = size < room ? size : room;
    if (take == 0) return;
    const chunk = bufferBytesInPlace(buffer, 0, take);
    if (chunk === null) return;
    const got = chunk.size < take ? chunk.size : take;
    this.kept.append(chunk.ptr, <i32>got, this.cap);
    chunk.release();
  }

  /** A whole body of `size` bytes at `ptr` (a request body sent to the mirrored sides). */
  readWhole(ptr: usize, size: i32): void {
    this.seen = <u64>size;
    this.kept.clear();
    this.kept.append(ptr, size < this.cap ? size : this.cap, this.cap);
  }
}

export class CapturedResponse {
  /** The target's configured name (mirrored sides only). */
  name: ArrayBuffer = new ArrayBuffer(0);
  /** capture.proto's ShadowFailure: why a mirrored side gave no response. */
  failure: i32 = 0;
  status: u32 = 0;
  headers: Array<Header> = [];
  body: BodyCapture;
  latencyNanos: u64 = 0;
  /** This side answered or failed: nothing more is taken from it. */
  finished: bool = false;

  constructor(bodyCap: i32) {
    this.body = new BodyCapture(bodyCap);
  }

  /** :status and the configured response headers, redacted, from the host's `map`. */
  readHeaders(map: MapType, config: Config): void {
    const headers = headerPairsInPlace(map);
    if (headers === null) return;
    this.status = statusOf(headers.ptr, headers.size);
    this.headers = selectPairs(headers.ptr, headers.size, config.responseHeaderKeys, config.redactHeaderKeys);
    headers.release();
  }

  /** The encoded size of capture.proto's Response fields past the ones the codec writes itself
   * (numbered after them): none here (a gRPC side's trailers, grpc-pair.ts). */
  extraSize(): i32 {
    return 0;
  }

  /** Writes them at `at`; returns where they end. */
  putExtra(at: usize): usize {
    return at;
  }
}
