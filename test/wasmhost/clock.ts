// The controllable clock behind proxy_get_current_time_nanoseconds and WASI clock_time_get.
// Realtime and monotonic move together, only when a test advances them.

const NANOS_PER_MILLI = 1_000_000n;

export class FakeClock {
  private realtime: bigint;
  private monotonic: bigint;

  constructor(realtimeStartMs: number, monotonicStartMs = 1_000) {
    this.realtime = BigInt(Math.trunc(realtimeStartMs)) * NANOS_PER_MILLI;
    this.monotonic = BigInt(Math.trunc(monotonicStartMs)) * NANOS_PER_MILLI;
  }

  /** Nanoseconds since the Unix epoch (WASI clock 0, proxy_get_current_time_nanoseconds). */
  realtimeNanos(): bigint {
    return this.realtime;
  }

  /** Nanoseconds from an arbitrary origin (WASI clock 1). */
  monotonicNanos(): bigint {
    return this.monotonic;
  }

  /** Milliseconds on the monotonic clock, for timers. */
  nowMs(): number {
    return Number(this.monotonic / NANOS_PER_MILLI);
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot move the clock by ${ms} ms`);
    const nanos = BigInt(Math.round(ms * 1_000_000));
    this.realtime += nanos;
    this.monotonic += nanos;
  }
}
