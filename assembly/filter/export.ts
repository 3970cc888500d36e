// Export: complete pairs are encoded straight into one batch buffer that is the Batch message
// itself, and the batch is flushed to the collector as one unary shadowdiff.v1.Collector/Report
// call when it is full (batch_max_pairs or batch_max_bytes) and on every tick
// (flush_interval_ms). A pair that would take the batch past batch_max_bytes goes into the next
// one, so a report holds at most batch_max_bytes, or one pair larger than that alone (a pair
// carries up to 2 + targets bodies of max_body_bytes). A report that fails drops its pairs and is counted; nothing is retried.
// With a collector_token, every report carries `authorization: Bearer <token>` as gRPC metadata.
// Once its plugin is retired (closing), the exporter sends each pair as soon as it completes.
import { grpcCall, log, setTickPeriod } from "../abi/hostcalls";
import { GrpcStatus, LogLevel, Status } from "../abi/types";
import { ByteBuffer } from "./byte-buffer";
import { PairOrigin, pairEntrySize, pairSize, putPair, putPairEntry } from "./capture-codec";
import { Config } from "./config";
import { encodeGrpcService } from "./grpc-service";
import { Metrics } from "./metrics";
import { writeEntry } from "./mirror";
import { Pair } from "./pair";

const SERVICE = String.UTF8.encode("shadowdiff.v1.Collector");
const METHOD = String.UTF8.encode("Report");

/** The reports' initial metadata, a serialized header map: the collector's bearer token, or no entry. */
function reportMetadata(token: string): ArrayBuffer {
  if (token.length == 0) return new ArrayBuffer(4);
  const name = String.UTF8.encode("authorization");
  const value = String.UTF8.encode("Bearer " + token);
  const out = new ArrayBuffer(14 + name.byteLength + value.byteLength);
  const base = changetype<usize>(out);
  store<u32>(base, 1);
  writeEntry(base + 4, base + 12, name, value);
  return out;
}

/** A report in flight: how many pairs it carries. (An object, so the map shares its code with the
 * module's other token maps.) */
class Report {
  constructor(public pairs: i32) {}
}

export class Exporter {
  private service: ArrayBuffer;
  private metadata: ArrayBuffer;
  /** The plugin was retired: no tick may come soon enough, so every pair goes at once. */
  closing: bool = false;
  /** The encoded Batch message; bounded by batch_max_bytes or one pair, kept between flushes. */
  private batch: ByteBuffer = new ByteBuffer();
  private pairs: i32 = 0;
  /** Reports in flight: call token → its pairs. */
  private reports: Map<u32, Report> = new Map<u32, Report>();

  /** Made in on_configure (the root context): arms the tick that flushes. */
  constructor(private config: Config, private metrics: Metrics, private origin: PairOrigin) {
    this.service = encodeGrpcService(config.collectorCluster, config.collectorAuthority);
    this.metadata = reportMetadata(config.collectorToken);
    setTickPeriod(config.flushIntervalMs);
  }

  /** A complete pair joins the batch (a new one when it would not fit); a full batch is flushed at once. */
  add(pair: Pair): void {
    const size = pairSize(pair, this.origin);
    const entry = pairEntrySize(size);
    if (<u32>(this.batch.length + entry) > this.config.batchMaxBytes) this.flush();
    const start = this.batch.reserve(entry);
    const end = putPair(putPairEntry(start, size), pair, this.origin);
    this.batch.advance(<i32>(end - start));
    this.pairs++;
    if (this.closing || <u32>this.pairs >= this.config.batchMaxPairs || <u32>this.batch.length >= this.config.batchMaxBytes) this.flush();
  }

  /** Complete pairs not sent yet. */
  get holdsPairs(): bool {
    return this.pairs > 0;
  }

  /** Reports sent and not answered yet. */
  get inFlight(): i32 {
    return this.reports.size;
  }

  /** Sends whatever the batch holds (on_tick, or full); the batch is empty afterwards. */
  flush(): void {
    const pairs = this.pairs;
    if (pairs == 0) return;
    // Envoy copies the message during the call: the buffer is free again right after.
    const call = grpcCall(this.service, SERVICE, METHOD, this.metadata, this.batch.ptr, <usize>this.batch.length,
      this.config.collectorTimeoutMs);
    this.batch.clear();
    this.pairs = 0;
    if (call.status == Status.Ok) {
      this.reports.set(call.token, new Report(pairs));
      return;
    }
    log(LogLevel.Warn, "shadowdiff: report to \"" + this.config.collectorCluster + "\" refused by proxy_grpc_call, status " + call.status.toString());
    this.metrics.reportFailed(pairs);
  }

  /** on_grpc_receive: the unary call succeeded. */
  reportAnswered(token: u32): void {
    if (!this.reports.has(token)) return;
    const pairs = this.reports.get(token).pairs;
    this.reports.delete(token);
    this.metrics.reportSent(pairs);
  }

  /** on_grpc_close: for a unary call, Envoy's failure path. */
  reportClosed(token: u32, grpcStatus: u32): void {
    if (!this.reports.has(token)) return;
    if (grpcStatus == GrpcStatus.Ok) {
      this.reportAnswered(token);
      return;
    }
    const pairs = this.reports.get(token).pairs;
    this.reports.delete(token);
    this.metrics.reportFailed(pairs);
  }
}
