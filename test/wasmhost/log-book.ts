// Every line the module logs (proxy_log, WASI stdout/stderr), in order.
import { LOG_LEVEL_NAMES, type LogLevelName } from "./abi.js";

export interface LogEntry {
  readonly level: LogLevelName;
  readonly message: string;
}

export class LogBook {
  readonly entries: LogEntry[] = [];

  add(level: number, message: string): void {
    this.entries.push({ level: LOG_LEVEL_NAMES[level] ?? "info", message });
  }

  /** A position to look back from. */
  mark(): number {
    return this.entries.length;
  }

  /** The last critical line written since `mark` (an abort handler's message). */
  lastCriticalSince(mark: number): string | undefined {
    for (let i = this.entries.length - 1; i >= mark; i--) {
      const entry = this.entries[i];
      if (entry?.level === "critical") return entry.message;
    }
    return undefined;
  }
}
