// A `curl` command that sends a captured request again, for a person to paste in a shell. Headers
// the filter redacted are left out (their values are gone), and so is anything a shell or an HTTP
// client could take for more than one header or argument.
import type { Header } from "../../host/capture/pair.js";

export const REDACTED = "[redacted]";

export interface CapturedRequest {
  method: string;
  authority: string;
  path: string;
  requestHeaders: Header[];
}

export interface CurlCommand {
  command: string;
  /** Names of captured headers not in the command, and why. */
  leftOut: { name: string; why: string }[];
}

/** Headers curl sets from its own arguments, and HTTP/2 pseudo-headers. */
const NOT_SENT = new Set(["host", "content-length", "transfer-encoding", "connection"]);
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Single-quoted for POSIX shells: nothing inside is expanded. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function curlCommand(request: CapturedRequest): CurlCommand {
  const args = ["curl", "--globoff"];
  if (request.method === "HEAD") args.push("--head");
  else if (request.method !== "GET") args.push("--request", shellQuote(request.method));
  const leftOut: CurlCommand["leftOut"] = [];
  for (const { name, value } of request.requestHeaders) {
    if (value === REDACTED) leftOut.push({ name, why: "redacted" });
    else if (name.startsWith(":") || NOT_SENT.has(name.toLowerCase())) leftOut.push({ name, why: "set by curl" });
    else if (CONTROL.test(name) || CONTROL.test(value)) leftOut.push({ name, why: "holds control characters" });
    else args.push("--header", shellQuote(`${name}: ${value}`));
  }
  // Control characters in a captured path are percent-encoded, so the URL stays one line.
  const path = request.path.replace(/[\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`);
  args.push(shellQuote(`http://${request.authority}${path.startsWith("/") ? path : `/${path}`}`));
  return { command: args.join(" "), leftOut };
}
