export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

/** Structured logs: one JSON object per line, `msg` first, then the event's fields. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
}

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LEVELS, value);
}

export function createLogger(write: (line: string) => void, minimum: LogLevel = "info"): Logger {
  const threshold = LEVELS[minimum];
  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    write(JSON.stringify({ msg, ...fields, level, time: new Date().toISOString() }, errorsAsText) + "\n");
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    enabled: (level) => LEVELS[level] >= threshold,
  };
}

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

export const silentLogger: Logger = createLogger(() => {}, "error");
