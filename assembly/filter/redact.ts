// What leaves the proxy: only the configured headers, with identifying values replaced, each value
// cut to the contract's limit and at most MAX_HEADERS of them.
import { Header, PairsCursor, indexOfBytes } from "../abi/headers";
import { MAX_HEADERS, MAX_HEADER_VALUE_BYTES } from "./limits";
import { fitText } from "./text-limits";

const REDACTED = String.UTF8.encode("[redacted]");

/** The headers of the serialized map at `base` named in `nameKeys`, in the map's order, read in
 * place: only the selected entries become objects. */
export function selectPairs(base: usize, size: usize, nameKeys: Array<ArrayBuffer>, redactedKeys: Array<ArrayBuffer>): Array<Header> {
  const out = new Array<Header>();
  if (nameKeys.length == 0) return out;
  const cursor = new PairsCursor(base, size);
  while (out.length < MAX_HEADERS && cursor.next()) {
    const at = indexOfBytes(nameKeys, cursor.namePtr, cursor.nameSize);
    if (at < 0) continue;
    const redact = indexOfBytes(redactedKeys, cursor.namePtr, cursor.nameSize) >= 0;
    out.push(new Header(nameKeys[at], redact ? REDACTED : fitText(cursor.valuePtr, cursor.valueSize, MAX_HEADER_VALUE_BYTES)));
  }
  return out;
}
