// A `curl` command that sends a captured request again, for a person to paste in a shell. Headers
// the filter redacted are left out (their values are gone), and so is anything a shell or an HTTP
// client could take for more than one header or argument. The body goes with it when it was kept
// whole, as text.
import type { Header } from "../../host/capture/pair.js";
import type { BodyView } from "../../host/mismatches/mismatch-view.js";

export const REDACTED = "[redacted]";

export interface CapturedRequest {
  method: string;
  authority: string;
  path: string;
  requestHeaders: Header[];
  /** The body mirrored with the request, as the collector keeps it; null when none was. */
  requestBody?: BodyView | null;
}

export interface CurlCommand {
  command: string;
  /** Names of captured headers not in the command, and why. */
  leftOut: { name: string; why: string }[];
  /** Why the command does not send the request's body exactly as it was; null when it does, or there was none. */
  bodyNote: string | null;
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
  const body = request.requestBody ? bodyInCommand(request.requestBody) : { sent: false, note: null };
  if (body.sent) args.push("--data-binary", shellQuote(request.requestBody!.body));
  args.push(shellQuote(`http://${request.authority}${path.startsWith("/") ? path : `/${path}`}`));
  return { command: args.join(" "), leftOut, bodyNote: body.note };
}

/** Whether the body goes in the command (kept whole, as text a shell argument can hold), and what differs from the one sent. */
function bodyInCommand(body: BodyView): { sent: boolean; note: string | null } {
  const notIn = (why: string) => ({ sent: false, note: `The body is not in the command: ${why}.` });
  if (body.bodyWithheld !== undefined) return notIn("the collector keeps no body it could not redact");
  if (body.truncated) return notIn(`only its first ${body.storedBytes} of ${body.bodySize} bytes were captured (the filter's max_body_bytes)`);
  if (body.bodyDecoded === true) return notIn("it is kept with its content-encoding undone, not as it was sent");
  if (body.bodyCut === true || body.storedBytes < body.bodySize) return notIn(`the collector keeps only its first ${body.storedBytes} of ${body.bodySize} bytes`);
  if (body.bodyEncoding !== "utf8") return notIn("it is binary, not text");
  if (body.body.includes("\u0000")) return notIn("it holds a NUL byte, which no shell argument can");
  if (body.bodyRedacted === true) return { sent: true, note: 'Values of the body were redacted: the command sends "[redacted]" in their place, so it does not replay the request exactly.' };
  return { sent: true, note: null };
}
