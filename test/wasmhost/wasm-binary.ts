// Reads the import section of a wasm binary with each function import's signature. Node 20's
// WebAssembly.Module.imports() names imports but not their types, and Envoy (V8) refuses a
// module whose import signature differs from the host function's, so the types matter.

export type ImportKind = "function" | "table" | "memory" | "global" | "tag";

export interface ModuleImport {
  readonly module: string;
  readonly name: string;
  readonly kind: ImportKind;
  /** For functions: "i" i32, "J" i64, "f" f32, "d" f64, "v" v128, "r" reference. */
  readonly params: string;
  readonly results: string;
}

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get position(): number {
    return this.offset;
  }

  byte(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new Error(`wasm binary truncated at byte ${this.offset}`);
    this.offset += 1;
    return value;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error("wasm binary has an over-long LEB128 integer");
    }
  }

  name(): string {
    const length = this.u32();
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    if (slice.length !== length) throw new Error("wasm binary truncated inside a name");
    this.offset += length;
    return new TextDecoder("utf-8", { fatal: true }).decode(slice);
  }

  skip(count: number): void {
    this.offset += count;
  }
}

const VALUE_TYPE_CODES: Readonly<Record<number, string>> = {
  0x7f: "i",
  0x7e: "J",
  0x7d: "f",
  0x7c: "d",
  0x7b: "v",
  0x70: "r",
  0x6f: "r",
};

function valueType(reader: Reader): string {
  const code = reader.byte();
  const letter = VALUE_TYPE_CODES[code];
  if (letter === undefined) throw new Error(`unsupported wasm value type 0x${code.toString(16)}`);
  return letter;
}

function skipLimits(reader: Reader): void {
  const flags = reader.byte();
  reader.u32();
  if (flags & 0x01) reader.u32();
}

interface FunctionType {
  params: string;
  results: string;
}

function readTypes(reader: Reader): FunctionType[] {
  const types: FunctionType[] = [];
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const form = reader.byte();
    if (form !== 0x60) throw new Error(`unsupported wasm type form 0x${form.toString(16)}`);
    let params = "";
    const paramCount = reader.u32();
    for (let p = 0; p < paramCount; p++) params += valueType(reader);
    let results = "";
    const resultCount = reader.u32();
    for (let r = 0; r < resultCount; r++) results += valueType(reader);
    types.push({ params, results });
  }
  return types;
}

function readImports(reader: Reader, types: FunctionType[]): ModuleImport[] {
  const imports: ModuleImport[] = [];
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const module = reader.name();
    const name = reader.name();
    const kindCode = reader.byte();
    switch (kindCode) {
      case 0x00: {
        const typeIndex = reader.u32();
        const type = types[typeIndex];
        if (!type) throw new Error(`import ${module}.${name} names missing type ${typeIndex}`);
        imports.push({ module, name, kind: "function", ...type });
        break;
      }
      case 0x01:
        valueType(reader);
        skipLimits(reader);
        imports.push({ module, name, kind: "table", params: "", results: "" });
        break;
      case 0x02:
        skipLimits(reader);
        imports.push({ module, name, kind: "memory", params: "", results: "" });
        break;
      case 0x03:
        valueType(reader);
        reader.byte();
        imports.push({ module, name, kind: "global", params: "", results: "" });
        break;
      case 0x04:
        reader.byte();
        reader.u32();
        imports.push({ module, name, kind: "tag", params: "", results: "" });
        break;
      default:
        throw new Error(`unknown import kind 0x${kindCode.toString(16)} for ${module}.${name}`);
    }
  }
  return imports;
}

/** Every import of the module, in order, with function signatures. */
export function readModuleImports(bytes: Uint8Array): ModuleImport[] {
  const reader = new Reader(bytes);
  const magic = [reader.byte(), reader.byte(), reader.byte(), reader.byte()];
  if (magic.join(",") !== "0,97,115,109") throw new Error("not a wasm binary (bad magic)");
  reader.skip(4); // version
  let types: FunctionType[] = [];
  while (reader.position < bytes.length) {
    const id = reader.byte();
    const size = reader.u32();
    const end = reader.position + size;
    if (id === 1) {
      types = readTypes(reader);
    } else if (id === 2) {
      return readImports(reader, types);
    }
    reader.skip(end - reader.position);
  }
  return [];
}

/** "(i32, i64) -> i32", for error messages. */
export function describeSignature(params: string, results: string): string {
  const names: Record<string, string> = { i: "i32", J: "i64", f: "f32", d: "f64", v: "v128", r: "ref" };
  const list = (s: string) => [...s].map((c) => names[c] ?? c).join(", ");
  return `(${list(params)}) -> ${results === "" ? "()" : list(results)}`;
}
