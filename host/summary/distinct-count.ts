const EXACT_UP_TO = 64;
const REGISTER_BITS = 10;
const REGISTERS = 1 << REGISTER_BITS;

/**
 * How many distinct strings were seen, in bounded memory whatever arrives: exact up to 64 (their
 * 32-bit hashes kept), then a HyperLogLog estimate over 1024 one-byte registers (about 3% off).
 */
export class DistinctCount {
  private exact: Set<number> | null = new Set();
  private readonly registers = new Uint8Array(REGISTERS);

  /** Counts a value by its hash (see hashString). */
  addHash(hash: number): void {
    if (this.exact !== null) {
      this.exact.add(hash);
      if (this.exact.size > EXACT_UP_TO) this.exact = null;
    }
    const index = hash >>> (32 - REGISTER_BITS);
    // The position of the first 1 bit in the other 22 bits (a sentinel bit caps it at 23).
    const rank = Math.clz32((hash << REGISTER_BITS) | (1 << (REGISTER_BITS - 1))) + 1;
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
  }

  estimate(): number {
    if (this.exact !== null) return this.exact.size;
    let sum = 0;
    let zeros = 0;
    for (const rank of this.registers) {
      sum += 2 ** -rank;
      if (rank === 0) zeros++;
    }
    const raw = ((0.7213 / (1 + 1.079 / REGISTERS)) * REGISTERS * REGISTERS) / sum;
    // Small counts: linear counting on the empty registers is the better estimate.
    const estimate = raw <= 2.5 * REGISTERS && zeros > 0 ? REGISTERS * Math.log(REGISTERS / zeros) : raw;
    return Math.max(EXACT_UP_TO + 1, Math.round(estimate));
  }
}

/** A 32-bit hash of a string: FNV-1a over its code units, then MurmurHash3's finalizer to spread the bits. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
