import { setTimeout as sleep } from "node:timers/promises";

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Stops the wait at once (with the signal's reason) when what is waited for can no longer happen: a process exited, say. */
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns without throwing, and hands back what it returned; past the
 * timeout, throws the probe's last error. What tests, the demo and the benchmarks wait on is a
 * signal (a counter, a log line, a row), never a fixed time.
 */
export async function eventually<T>(probe: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const { signal } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await probe();
    } catch (error) {
      signal?.throwIfAborted();
      if (Date.now() > deadline) throw error;
    }
    await sleep(options.intervalMs ?? 50, undefined, { signal }).catch(() => signal?.throwIfAborted());
  }
}
