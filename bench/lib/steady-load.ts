// A steady stream of Report calls at a fixed rate of pairs per second, from a worker thread, so
// that the process timing the page (and its event loop) is not the one sending. Stops when told
// or after `maxSeconds`, whichever comes first, and reports what was sent and refused.
import { setTimeout as sleep } from "node:timers/promises";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { ReportClient } from "../../support/report-client.js";

export interface SteadyLoadSettings {
  grpcAddress: string;
  /** Pre-encoded batches of `batchPairs` pairs each, sent in turn. */
  batches: Uint8Array[];
  batchPairs: number;
  pairsPerSecond: number;
  maxSeconds: number;
}

export interface SteadyLoadResult {
  sent: number;
  refused: number;
}

/** Starts the load in a worker; `stop()` ends it and resolves with its counts. */
export function startSteadyLoad(settings: SteadyLoadSettings): { stop(): Promise<SteadyLoadResult> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: settings });
  const result = new Promise<SteadyLoadResult>((resolve, reject) => {
    worker.once("message", (message: SteadyLoadResult) => resolve(message));
    worker.once("error", reject);
  });
  return {
    async stop() {
      worker.postMessage("stop");
      const counts = await result;
      await worker.terminate();
      return counts;
    },
  };
}

async function run(settings: SteadyLoadSettings): Promise<void> {
  const client = new ReportClient(settings.grpcAddress);
  let stopped = false;
  parentPort?.once("message", () => (stopped = true));
  const counts: SteadyLoadResult = { sent: 0, refused: 0 };
  const intervalMs = (1000 * settings.batchPairs) / settings.pairsPerSecond;
  const deadline = Date.now() + settings.maxSeconds * 1000;
  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (let n = 0; !stopped && Date.now() < deadline; n++) {
    // Paced against the start, so a late batch is followed by an early one.
    const wait = started + n * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const batch = Buffer.from(settings.batches[n % settings.batches.length] as Uint8Array);
    calls.push(
      client.report(batch).then((answer) => {
        if (answer.error) counts.refused += settings.batchPairs;
        else counts.sent += settings.batchPairs;
      }),
    );
    if (calls.length > 1000) await Promise.all(calls.splice(0, 500));
  }
  await Promise.all(calls);
  client.close();
  parentPort?.postMessage(counts);
}

if (!isMainThread && (workerData as SteadyLoadSettings | undefined)?.grpcAddress !== undefined) void run(workerData as SteadyLoadSettings);
