// Reads the serialized envoy.config.core.v3.GrpcService a module passes to proxy_grpc_call, as far
// as the host needs: which cluster and which :authority. Envoy first tries ParseFromString and, if
// that fails, treats the bytes as a bare cluster name (Context::grpcCall).

export type GrpcServiceTarget =
  | { kind: "envoy_grpc"; cluster: string; authority: string }
  | { kind: "google_grpc" }
  | { kind: "none" };

interface Field {
  number: number;
  wireType: number;
  bytes?: Uint8Array;
}

class WireReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.bytes[this.offset++];
      if (b === undefined) throw new Error("truncated varint");
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error("varint too long");
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw new Error("truncated field");
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  field(): Field {
    const tag = this.varint();
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (number === 0) throw new Error("field number 0");
    switch (wireType) {
      case 0:
        this.varint();
        return { number, wireType };
      case 1:
        this.take(8);
        return { number, wireType };
      case 2:
        return { number, wireType, bytes: this.take(Number(this.varint())) };
      case 3:
        this.skipGroup(number);
        return { number, wireType };
      case 5:
        this.take(4);
        return { number, wireType };
      default:
        throw new Error(`invalid wire type ${wireType}`);
    }
  }

  private skipGroup(number: number): void {
    for (;;) {
      if (this.done) throw new Error("unterminated group");
      const tag = this.varint();
      const wireType = Number(tag & 7n);
      if (wireType === 4) {
        if (Number(tag >> 3n) !== number) throw new Error("mismatched group end");
        return;
      }
      this.skipValue(tag);
    }
  }

  private skipValue(tag: bigint): void {
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.take(8);
    else if (wireType === 2) this.take(Number(this.varint()));
    else if (wireType === 3) this.skipGroup(number);
    else if (wireType === 5) this.take(4);
    else throw new Error(`invalid wire type ${wireType}`);
  }
}

function readFields(bytes: Uint8Array): Field[] {
  const reader = new WireReader(bytes);
  const fields: Field[] = [];
  while (!reader.done) fields.push(reader.field());
  return fields;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The GrpcService the bytes encode, or undefined where protobuf parsing would fail. */
export function parseGrpcService(bytes: Uint8Array): GrpcServiceTarget | undefined {
  try {
    let target: GrpcServiceTarget = { kind: "none" };
    for (const field of readFields(bytes)) {
      if (field.number === 1 && field.wireType === 2 && field.bytes) {
        let cluster = "";
        let authority = "";
        for (const inner of readFields(field.bytes)) {
          if (inner.number === 1 && inner.wireType === 2 && inner.bytes) cluster = utf8.decode(inner.bytes);
          if (inner.number === 2 && inner.wireType === 2 && inner.bytes) authority = utf8.decode(inner.bytes);
        }
        target = { kind: "envoy_grpc", cluster, authority };
      } else if (field.number === 2 && field.wireType === 2) {
        target = { kind: "google_grpc" };
      }
    }
    return target;
  } catch {
    return undefined;
  }
}
