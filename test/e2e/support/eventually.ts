import { setTimeout as sleep } from "node:timers/promises";

/** Poll `probe` until it stops throwing (pairs reach the collector on the filter's flush tick). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(intervalMs);
  }
}
