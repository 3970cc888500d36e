// What leaves the proxy: only the configured headers, with identifying values replaced.
import { Header, PairsCursor, indexOfBytes } from "../abi/headers";

const REDACTED = String.UTF8.encode("[redacted]");

/** The headers of a serialized map named in `nameKeys`, in the map's order, read in place: only
 * the selected entries become objects. */
export function selectPairs(pairs: ArrayBuffer, nameKeys: Array<ArrayBuffer>, redactedKeys: Array<ArrayBuffer>): Array<Header> {
  const out = new Array<Header>();
  if (nameKeys.length == 0) return out;
  const cursor = new PairsCursor(pairs);
  while (cursor.next()) {
    const at = indexOfBytes(nameKeys, cursor.namePtr, cursor.nameSize);
    if (at < 0) continue;
    const redact = indexOfBytes(redactedKeys, cursor.namePtr, cursor.nameSize) >= 0;
    out.push(new Header(nameKeys[at], redact ? REDACTED : cursor.value()));
  }
  return out;
}
