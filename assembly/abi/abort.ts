// AssemblyScript's abort, routed to proxy_log at critical level instead of the `env.abort` import
// Envoy does not provide (asconfig.json: "use": ["abort=assembly/abi/abort/onAbort"]).
import { proxy_log } from "./imports";
import { LogLevel } from "./types";

export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  // Built without allocation-heavy formatting: the heap may be what failed.
  let text = "shadowdiff: abort: ";
  text += message !== null ? message : "(no message)";
  text += " at ";
  text += fileName !== null ? fileName : "(unknown file)";
  text += ":" + line.toString() + ":" + column.toString();
  const utf8 = String.UTF8.encode(text);
  proxy_log(LogLevel.Critical, changetype<usize>(utf8), <usize>utf8.byteLength);
  unreachable();
}
