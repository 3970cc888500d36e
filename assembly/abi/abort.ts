// AssemblyScript's abort, routed to proxy_log at critical level instead of the `env.abort` import
// Envoy does not provide (asconfig.json: "use": ["abort=assembly/abi/abort/onAbort"]). The
// message starts with the plugin's name, so an operator knows whose VM failed.
import { proxy_log } from "./imports";
import { LogLevel } from "./types";

let prefix = "";

/** Set from module top level (storing a string is all that may happen there). */
export function setAbortPrefix(name: string): void {
  prefix = name + ": ";
}

export function onAbort(message: string | null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  // Built without allocation-heavy formatting: the heap may be what failed.
  let text = prefix + "abort: ";
  text += message !== null ? message : "(no message)";
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const utf8 = String.UTF8.encode(text);
  proxy_log(LogLevel.Critical, changetype<usize>(utf8), <usize>utf8.byteLength);
  unreachable();
}
