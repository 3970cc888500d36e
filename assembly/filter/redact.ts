// What leaves the proxy: only the configured headers, with identifying values replaced.
import { Header, PairsCursor, indexOfBytes } from "../abi/headers";

export const REDACTED = "[redacted]";
const REDACTED_BYTES = String.UTF8.encode(REDACTED);

/** The configured headers of a serialized map, in the map's order, read in place: only the
 * selected entries become objects. `names` and `nameKeys` are the same names, as text and UTF-8. */
export function selectPairs(pairs: ArrayBuffer, names: Array<string>, nameKeys: Array<ArrayBuffer>,
                            redactedKeys: Array<ArrayBuffer>): Array<Header> {
  const out = new Array<Header>();
  if (names.length == 0) return out;
  const cursor = new PairsCursor(pairs);
  while (cursor.next()) {
    const at = indexOfBytes(nameKeys, cursor.namePtr, cursor.nameSize);
    if (at < 0) continue;
    const redact = indexOfBytes(redactedKeys, cursor.namePtr, cursor.nameSize) >= 0;
    const header = new Header(names[at], redact ? REDACTED_BYTES : cursor.value());
    header.nameBytes = nameKeys[at];
    out.push(header);
  }
  return out;
}
