// Decodes what the filter sends to the collector with the repository's capture.proto, the way the
// collector does (protobufjs), so the filter tests read pairs, not bytes.
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const PROTO = fileURLToPath(new URL("../../proto/shadowdiff/v1/capture.proto", import.meta.url));
const root = protobuf.loadSync(PROTO);
export const BatchType = root.lookupType("shadowdiff.v1.Batch");

export interface DecodedHeader {
  name: string;
  value: string;
}

export interface DecodedResponse {
  status: number;
  headers: DecodedHeader[];
  body: Uint8Array;
  bodySize: number;
  truncated: boolean;
  latencyNanos: number;
}

export interface DecodedPair {
  id: string;
  proxyId: string;
  configVersion: string;
  method: string;
  authority: string;
  path: string;
  requestHeaders: DecodedHeader[];
  startUnixNanos: number;
  primary?: DecodedResponse;
  shadow?: DecodedResponse;
  shadowFailure: string;
}

/** Proto3 defaults filled in, enums as names, 64-bit numbers as JS numbers (all fit here). */
export function decodeBatch(bytes: Uint8Array): DecodedPair[] {
  const message = BatchType.decode(bytes);
  const plain = BatchType.toObject(message, { defaults: true, enums: String, longs: Number, bytes: Array }) as {
    pairs: Array<Omit<DecodedPair, "primary" | "shadow"> & { primary?: RawResponse; shadow?: RawResponse }>;
  };
  return plain.pairs.map((pair) => {
    const out: DecodedPair = { ...pair, primary: undefined, shadow: undefined };
    if (pair.primary) out.primary = toResponse(pair.primary);
    if (pair.shadow) out.shadow = toResponse(pair.shadow);
    return out;
  });
}

interface RawResponse extends Omit<DecodedResponse, "body"> {
  body: number[];
}

function toResponse(raw: RawResponse): DecodedResponse {
  return { ...raw, body: Uint8Array.from(raw.body) };
}

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
