// The root context's tick timer and the ordering of everything due at a moment. Envoy's
// Wasm::setTickPeriod arms a timer for the period from now (0 disarms it) and re-arms it after
// each proxy_on_tick; timers due at the same moment fire in the order they were armed.

export interface DueEvent {
  readonly at: number;
  readonly sequence: number;
  readonly fire: () => void;
}

export class TimerSequence {
  private last = 0;
  next(): number {
    return ++this.last;
  }
}

export class TickTimer {
  private period = 0;
  private nextAtMs: number | undefined;
  private armedSequence = 0;

  constructor(private readonly sequence: TimerSequence) {}

  get periodMs(): number {
    return this.period;
  }

  /** proxy_set_tick_period_milliseconds. */
  setPeriod(periodMs: number, nowMs: number): void {
    this.period = periodMs;
    this.arm(nowMs);
  }

  /** Re-arms from `nowMs` (after a tick fired). */
  arm(nowMs: number): void {
    this.nextAtMs = this.period > 0 ? nowMs + this.period : undefined;
    this.armedSequence = this.sequence.next();
  }

  /** The next tick, if one is armed, as an event that re-arms before it runs `onTick`. */
  due(onTick: () => void): DueEvent | undefined {
    const at = this.nextAtMs;
    if (at === undefined || this.period <= 0) return undefined;
    return {
      at,
      sequence: this.armedSequence,
      fire: () => {
        this.arm(at);
        onTick();
      },
    };
  }
}

/** The earliest event due no later than `limitMs`; ties go to the one armed first. */
export function earliestDue(events: ReadonlyArray<DueEvent | undefined>, limitMs: number): DueEvent | undefined {
  let best: DueEvent | undefined;
  for (const event of events) {
    if (!event || event.at > limitMs) continue;
    if (!best || event.at < best.at || (event.at === best.at && event.sequence < best.sequence)) best = event;
  }
  return best;
}
