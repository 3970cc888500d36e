// The module's linear memory as the host sees it: bounds-checked reads and writes (out of bounds
// means INVALID_MEMORY_ACCESS, as proxy-wasm-cpp-host's getMemory/setWord report), and copies into
// memory the module allocates with its exported malloc.

export type Allocate = (size: number) => number;

export class ModuleMemory {
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly allocate: Allocate,
  ) {}

  private get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  private inBounds(pointer: number, size: number): boolean {
    return pointer >= 0 && size >= 0 && pointer + size <= this.memory.buffer.byteLength;
  }

  /** A copy of [pointer, pointer + size), or undefined when out of bounds. */
  read(pointer: number, size: number): Uint8Array | undefined {
    if (!this.inBounds(pointer, size)) return undefined;
    return this.bytes.slice(pointer, pointer + size);
  }

  readString(pointer: number, size: number): string | undefined {
    const bytes = this.read(pointer, size);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  write(pointer: number, data: Uint8Array): boolean {
    if (!this.inBounds(pointer, data.length)) return false;
    this.bytes.set(data, pointer);
    return true;
  }

  writeU32(pointer: number, value: number): boolean {
    if (!this.inBounds(pointer, 4)) return false;
    new DataView(this.memory.buffer).setUint32(pointer, value >>> 0, true);
    return true;
  }

  writeU64(pointer: number, value: bigint): boolean {
    if (!this.inBounds(pointer, 8)) return false;
    new DataView(this.memory.buffer).setBigUint64(pointer, BigInt.asUintN(64, value), true);
    return true;
  }

  readU32(pointer: number): number | undefined {
    if (!this.inBounds(pointer, 4)) return undefined;
    return new DataView(this.memory.buffer).getUint32(pointer, true);
  }

  /**
   * WasmBase::copyToPointerSize: an empty value writes pointer 0 and size 0 without allocating;
   * otherwise the module's malloc gets the bytes. False means INVALID_MEMORY_ACCESS.
   */
  copyOut(data: Uint8Array, pointerPointer: number, sizePointer: number): boolean {
    let pointer = 0;
    if (data.length > 0) {
      pointer = this.allocate(data.length);
      if (pointer === 0 || !this.write(pointer, data)) return false;
    }
    return this.writeU32(pointerPointer, pointer) && this.writeU32(sizePointer, data.length);
  }
}
