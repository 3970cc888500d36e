// What leaves the proxy: only the configured headers, with identifying values replaced.
import { Header } from "../abi/headers";

export const REDACTED = "[redacted]";

export function selectHeaders(headers: Array<Header>, names: Array<string>, redacted: Array<string>): Array<Header> {
  const out = new Array<Header>();
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i];
    if (!names.includes(header.name)) continue;
    out.push(redacted.includes(header.name) ? Header.of(header.name, REDACTED) : header);
  }
  return out;
}
