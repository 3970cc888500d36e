// Secrets in a query string never leave the proxy: in the path a pair carries, the value of every
// parameter with a redacted name becomes "[redacted]" (the shadow still gets the real path).
// Names compare after percent-decoding and in lower case (api%5FKey is api_key). A name is found
// after "?", "&" or ";" (some servers split on ";"), and its value runs to the next "&", so a
// value holding ";" is redacted whole.
import { ByteBuffer } from "./byte-buffer";
import { MAX_NAME_CHARS } from "./limits";

/** Redacted whatever the configuration says (redact_query_params adds to them). */
export const DEFAULT_REDACTED_QUERY_PARAMS: Array<string> = [
  "access_token", "refresh_token", "id_token", "token", "api_key", "apikey", "api-key", "key",
  "password", "passwd", "pwd", "secret", "client_secret", "signature", "sig", "auth", "authorization",
  "session", "sessionid", "session_id", "jsessionid", "x-amz-signature", "x-amz-credential",
  "x-amz-security-token",
];

const REDACTED = String.UTF8.encode("[redacted]");
const QUESTION: u8 = 0x3f;
const AMPERSAND: u8 = 0x26;
const SEMICOLON: u8 = 0x3b;
const EQUALS: u8 = 0x3d;

// The decoded name being compared; names longer than any configured one cannot match.
const nameScratch = new ArrayBuffer(MAX_NAME_CHARS);

function hexValue(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Whether the name at [from, to) of `base`, percent-decoded and lower-cased, is one of `names`. */
function isRedactedName(base: usize, from: usize, to: usize, names: Array<ArrayBuffer>): bool {
  const out = changetype<usize>(nameScratch);
  let size: usize = 0;
  for (let i = from; i < to; i++) {
    if (size == <usize>MAX_NAME_CHARS) return false;
    let c = load<u8>(base + i);
    if (c == 0x25 && i + 2 < to) {
      const high = hexValue(load<u8>(base + i + 1));
      const low = hexValue(load<u8>(base + i + 2));
      if (high >= 0 && low >= 0) {
        c = <u8>(high * 16 + low);
        i += 2;
      }
    }
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    store<u8>(out + size++, c);
  }
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    if (<usize>name.byteLength == size && memory.compare(out, changetype<usize>(name), size) == 0) return true;
  }
  return false;
}

/** The path with redacted parameters' values replaced; the same buffer when nothing is redacted. */
export function redactQuery(path: ArrayBuffer, names: Array<ArrayBuffer>): ArrayBuffer {
  const base = changetype<usize>(path);
  const end = <usize>path.byteLength;
  let at: usize = 0;
  while (at < end && load<u8>(base + at) != QUESTION) at++;
  if (at == end) return path;
  let out: ByteBuffer | null = null;
  let copied: usize = 0; // path bytes before this offset are in `out` already
  let nameStart = at + 1;
  for (let i = nameStart; i <= end; i++) {
    const c = i < end ? load<u8>(base + i) : AMPERSAND;
    if (c == AMPERSAND || c == SEMICOLON) {
      nameStart = i + 1;
      continue;
    }
    if (c != EQUALS || nameStart > i) continue;
    const equals = i;
    let valueEnd = equals + 1;
    while (valueEnd < end && load<u8>(base + valueEnd) != AMPERSAND) valueEnd++;
    if (isRedactedName(base, nameStart, equals, names)) {
      if (out === null) out = new ByteBuffer();
      out.append(base + copied, <i32>(equals + 1 - copied));
      out.append(changetype<usize>(REDACTED), REDACTED.byteLength);
      copied = valueEnd;
      i = valueEnd - 1; // the loop's next byte is the "&" that ends the value
    } else {
      nameStart = end + 1; // past "=": nothing more is a name until the next separator
    }
  }
  if (out === null) return path;
  out.append(base + copied, <i32>(end - copied));
  const redacted = new ArrayBuffer(out.length);
  memory.copy(changetype<usize>(redacted), out.ptr, <usize>out.length);
  return redacted;
}
