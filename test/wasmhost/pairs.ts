// The proxy-wasm serialized header-map format, as proxy-wasm-cpp-host's PairsUtil writes and reads
// it: u32 count, then (u32 name length, u32 value length) per pair, then each name and value
// followed by a NUL byte. All integers little-endian.

export type HeaderPair = readonly [name: string, value: string];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePairs(pairs: readonly HeaderPair[]): Uint8Array {
  const encoded = pairs.map(([name, value]) => [encoder.encode(name), encoder.encode(value)] as const);
  let size = 4;
  for (const [name, value] of encoded) size += 8 + name.length + 1 + value.length + 1;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, encoded.length, true);
  let offset = 4;
  for (const [name, value] of encoded) {
    view.setUint32(offset, name.length, true);
    view.setUint32(offset + 4, value.length, true);
    offset += 8;
  }
  for (const [name, value] of encoded) {
    bytes.set(name, offset);
    offset += name.length + 1;
    bytes.set(value, offset);
    offset += value.length + 1;
  }
  return bytes;
}

/**
 * Parses serialized pairs the way PairsUtil::toPairs does: any malformation (short buffer, missing
 * NUL, trailing bytes) yields no pairs at all rather than an error.
 */
export function decodePairs(bytes: Uint8Array): HeaderPair[] {
  if (bytes.length < 4) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  let offset = 4;
  if (offset + count * 8 > bytes.length) return [];
  const sizes: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    sizes.push([view.getUint32(offset, true), view.getUint32(offset + 4, true)]);
    offset += 8;
  }
  const pairs: HeaderPair[] = [];
  for (const [nameLength, valueLength] of sizes) {
    if (offset + nameLength + 1 > bytes.length || bytes[offset + nameLength] !== 0) return [];
    const name = decoder.decode(bytes.subarray(offset, offset + nameLength));
    offset += nameLength + 1;
    if (offset + valueLength + 1 > bytes.length || bytes[offset + valueLength] !== 0) return [];
    const value = decoder.decode(bytes.subarray(offset, offset + valueLength));
    offset += valueLength + 1;
    pairs.push([name, value]);
  }
  if (offset !== bytes.length) return [];
  return pairs;
}
