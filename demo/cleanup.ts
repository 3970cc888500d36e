// Everything the demo starts is registered here and stopped in reverse order: at the end, on an
// error, and on Ctrl-C.

export class Cleanup {
  private readonly stops: { name: string; stop: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  add(name: string, stop: () => Promise<unknown>): void {
    this.stops.push({ name, stop });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { name, stop } of this.stops.reverse()) {
        await stop().catch((error: unknown) => console.error(`shadowdiff demo: stopping ${name} failed: ${String(error)}`));
      }
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: stop everything, then exit the way a signal-killed process does. */
  onSignals(): void {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.once(signal, () => {
        if (this.awaitingSignal) return this.awaitingSignal();
        console.error(`\nshadowdiff demo: ${signal}, stopping what the demo started`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }

  private awaitingSignal: (() => void) | undefined;

  /** Resolves at the next SIGINT or SIGTERM (Ctrl-C), which then ends the wait instead of the process. */
  untilSignal(): Promise<void> {
    return new Promise((resolve) => (this.awaitingSignal = resolve));
  }
}
