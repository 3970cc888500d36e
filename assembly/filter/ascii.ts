// ASCII-only text changes for names (header names, query parameter names): what the
// configuration accepts is ASCII, and Envoy's header names are lower case. Kept apart from
// AssemblyScript's Unicode-aware toLowerCase, whose case tables the module does not need.

/** The bytes at `ptr`, with A-Z lowered and, when `fold`, "_" read as "-". */
export function lowerAsciiBytes(ptr: usize, size: usize, fold: bool = false): ArrayBuffer {
  const out = new ArrayBuffer(<i32>size);
  const base = changetype<usize>(out);
  for (let i: usize = 0; i < size; i++) {
    let c = load<u8>(ptr + i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    else if (fold && c == 0x5f) c = 0x2d;
    store<u8>(base + i, c);
  }
  return out;
}

/** `text` with A-Z lowered (other characters as they are). */
export function lowerAscii(text: string, fold: bool = false): string {
  const bytes = String.UTF8.encode(text);
  return String.UTF8.decode(lowerAsciiBytes(changetype<usize>(bytes), <usize>bytes.byteLength, fold));
}
