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
  /** SHADOW_FAILURE_NONE on an answered side. */
  failure: string;
  name: string;
  /** gRPC calls' sides only. */
  trailers: DecodedHeader[];
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
  idShortened: boolean;
  pathTruncated: boolean;
  primary?: DecodedResponse;
  targets: DecodedResponse[];
  secondary?: DecodedResponse;
  /** Present for request_bodies methods and gRPC calls only. */
  requestBody?: DecodedBody;
  /** "" without a trace context. */
  traceId: string;
  /** A gRPC call mirrored by grpc.methods. */
  grpc: boolean;
}

export interface DecodedBody {
  data: Uint8Array;
  size: number;
  truncated: boolean;
}

/** Proto3 defaults filled in, enums as names, 64-bit numbers as JS numbers (all fit here). */
export function decodeBatch(bytes: Uint8Array): DecodedPair[] {
  const message = BatchType.decode(bytes);
  const plain = BatchType.toObject(message, { defaults: true, enums: String, longs: Number, bytes: Array }) as {
    pairs: Array<Omit<DecodedPair, "primary" | "targets" | "secondary" | "requestBody"> & {
      primary?: RawResponse; targets: RawResponse[]; secondary?: RawResponse; requestBody?: RawBody;
    }>;
  };
  return plain.pairs.map((pair) => {
    const out: DecodedPair = { ...pair, primary: undefined, targets: pair.targets.map(toResponse), secondary: undefined, requestBody: undefined };
    if (pair.requestBody) out.requestBody = { ...pair.requestBody, data: Uint8Array.from(pair.requestBody.data ?? []) };
    if (pair.primary) out.primary = toResponse(pair.primary);
    if (pair.secondary) out.secondary = toResponse(pair.secondary);
    return out;
  });
}

interface RawBody {
  data?: number[];
  size: number;
  truncated: boolean;
}

interface RawResponse extends Omit<DecodedResponse, "body"> {
  body: number[];
}

function toResponse(raw: RawResponse): DecodedResponse {
  return { ...raw, body: Uint8Array.from(raw.body) };
}

/** The pair's one target (the shadow_* keys configure a single target). */
export function shadowOf(pair: DecodedPair): DecodedResponse {
  const [shadow, ...more] = pair.targets;
  if (shadow === undefined || more.length > 0) throw new Error(`pair ${pair.id} has ${pair.targets.length} targets, not one`);
  return shadow;
}

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
