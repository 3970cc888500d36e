// The shadow copy of a request: the same method, path, scheme and end-to-end headers, the
// configured authority and the tag header that marks it as shadow traffic.
import { Header } from "../abi/headers";
import { Config } from "./config";

const HOP_BY_HOP: Array<string> = [
  "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
];

/** Header names listed in `connection` are hop-by-hop too (RFC 9110, 7.6.1). */
function connectionNamed(headers: Array<Header>): Array<string> {
  const names = new Array<string>();
  for (let i = 0; i < headers.length; i++) {
    if (headers[i].name != "connection") continue;
    const tokens = headers[i].valueText().split(",");
    for (let t = 0; t < tokens.length; t++) {
      const name = tokens[t].trim().toLowerCase();
      if (name.length > 0) names.push(name);
    }
  }
  return names;
}

export function shadowRequestHeaders(config: Config, headers: Array<Header>, requestAuthority: ArrayBuffer): Array<Header> {
  const dropped = connectionNamed(headers);
  const out = new Array<Header>();
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i].name;
    if (HOP_BY_HOP.includes(name) || dropped.includes(name)) continue;
    if (name == ":authority" || name == config.tagHeader) continue;
    out.push(headers[i]);
  }
  out.push(config.shadowAuthority.length > 0
    ? Header.of(":authority", config.shadowAuthority)
    : new Header(":authority", requestAuthority));
  out.push(Header.of(config.tagHeader, config.tagValue));
  return out;
}
