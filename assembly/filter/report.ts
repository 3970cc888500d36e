// Export: a batch goes to the collector as one unary shadowdiff.v1.Collector/Report call. A call
// that fails drops its batch and is counted; nothing is retried or kept.
import { grpcCall, log } from "../abi/hostcalls";
import { Header, encodeHeaderPairs } from "../abi/headers";
import { LogLevel, Status } from "../abi/types";
import { Config } from "./config";
import { Metrics, count } from "./metrics";
import { encodeGrpcService } from "./capture_codec";
import { Batch } from "./batch";

const SERVICE = String.UTF8.encode("shadowdiff.v1.Collector");
const METHOD = String.UTF8.encode("Report");
const NO_METADATA = encodeHeaderPairs(new Array<Header>());

export class Reporter {
  private service: ArrayBuffer;
  /** Reports in flight: call token → pairs in the batch. */
  private inFlight: Map<u32, i32> = new Map<u32, i32>();

  constructor(private config: Config, private metrics: Metrics) {
    this.service = encodeGrpcService(config.collectorCluster, config.collectorAuthority);
  }

  send(batch: Batch): void {
    if (batch.count == 0) return;
    const pairs = batch.count;
    // Envoy copies the message during the call: the batch's buffer is free again right after.
    const call = grpcCall(this.service, SERVICE, METHOD, NO_METADATA, batch.messagePtr, <usize>batch.encodedSize,
      this.config.collectorTimeoutMs);
    batch.clear();
    if (call.status == Status.Ok) {
      this.inFlight.set(call.token, pairs);
      return;
    }
    log(LogLevel.Warn, "shadowdiff: report to \"" + this.config.collectorCluster + "\" refused by proxy_grpc_call, status " + call.status.toString());
    this.failed(pairs);
  }

  /** proxy_on_grpc_receive: the unary call succeeded. */
  received(token: u32): void {
    if (!this.inFlight.has(token)) return;
    const pairs = this.inFlight.get(token);
    this.inFlight.delete(token);
    count(this.metrics.reportsSent);
    count(this.metrics.pairsSent, pairs);
  }

  /** proxy_on_grpc_close: for a unary call, Envoy's failure path. */
  closed(token: u32, grpcStatus: u32): void {
    if (!this.inFlight.has(token)) return;
    if (grpcStatus == 0) {
      this.received(token);
      return;
    }
    const pairs = this.inFlight.get(token);
    this.inFlight.delete(token);
    this.failed(pairs);
  }

  private failed(pairs: i32): void {
    count(this.metrics.reportsFailed);
    count(this.metrics.pairsDroppedReport, pairs);
  }
}
