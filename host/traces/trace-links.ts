// Where a pair's trace is shown: the collector's `traces.urlTemplate` (Jaeger's
// https://jaeger.example.com/trace/{traceId}, Grafana's Explore for Tempo), filled with the
// primary's trace id. The template is checked once, when the configuration is read; a trace id is
// lower-case hex by contract (capture.proto's Pair.trace_id), so filling it in needs no escaping.

export const TRACE_ID_PLACEHOLDER = "{traceId}";
const MAX_TEMPLATE_CHARS = 2048;

export const URL_TEMPLATE_RULE =
  `must be an http(s) URL of at most ${MAX_TEMPLATE_CHARS} visible ASCII characters, without user or password, ` +
  `holding ${TRACE_ID_PLACEHOLDER} once (other braces percent-encoded as %7B and %7D), e.g. https://jaeger.example.com/trace/${TRACE_ID_PLACEHOLDER}`;

/** Whether `template` may link pairs to traces (URL_TEMPLATE_RULE). */
export function isTraceUrlTemplate(template: string): boolean {
  // A scheme and a host written out: WHATWG URLs would read "https:///x" as host "x".
  if (template.length > MAX_TEMPLATE_CHARS || !/^https?:\/\/[^/?#]/i.test(template) || !/^[\x21-\x7e]+$/.test(template)) return false;
  const parts = template.split(TRACE_ID_PLACEHOLDER);
  if (parts.length !== 2 || parts.some((part) => /[{}]/.test(part))) return false;
  let url: URL;
  try {
    url = new URL(traceUrl(template, "0".repeat(32)));
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && url.username === "" && url.password === "";
}

/** The link to a trace: the template with `traceId` in place. */
export function traceUrl(template: string, traceId: string): string {
  return template.replace(TRACE_ID_PLACEHOLDER, traceId);
}
