import type protobuf from "protobufjs";
import { loadCaptureProto } from "./capture-proto.js";
import { WireDecoder, WireDecodeError, type WireMessage, type WireValue } from "./wire-decoder.js";
import { SHADOW_FAILURE_KINDS, type CapturedResponse, type Header, type Pair, type ShadowFailureKind } from "./pair.js";

/** A batch that cannot be taken; `message` names the pair, the field and the rule. */
export class InvalidBatchError extends Error {
  constructor(
    message: string,
    /** Pairs the batch held, when it could be decoded that far. */
    readonly pairCount: number,
  ) {
    super(message);
  }
}

/** Decodes and validates `shadowdiff.v1.Batch` bytes into pairs, or throws InvalidBatchError. */
export class BatchReader {
  private readonly decoder: WireDecoder;

  constructor(contract: protobuf.Root = loadCaptureProto()) {
    this.decoder = new WireDecoder(contract.lookupType("shadowdiff.v1.Batch"));
  }

  read(bytes: Uint8Array): Pair[] {
    let batch: WireMessage;
    try {
      batch = this.decoder.decode(bytes);
    } catch (error) {
      if (error instanceof WireDecodeError) throw new InvalidBatchError(error.message, 0);
      throw error;
    }
    const rawPairs = (batch.pairs as WireMessage[] | undefined) ?? [];
    return rawPairs.map((raw, index) => {
      try {
        return toPair(raw);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        const id = typeof raw.id === "string" && raw.id !== "" ? ` (id "${raw.id}")` : "";
        throw new InvalidBatchError(`pairs[${index}]${id}: ${error.message}`, rawPairs.length);
      }
    });
  }
}

class FieldError extends Error {}

const MAX_ID_LENGTH = 256;

function toPair(raw: WireMessage): Pair {
  const id = requiredString(raw, "id");
  if (id.length > MAX_ID_LENGTH) throw new FieldError(`field "id" is longer than ${MAX_ID_LENGTH} characters`);
  // The pair's shadow is its first target (several targets and the secondary are not compared yet).
  const target = ((raw.targets as WireMessage[] | undefined) ?? [])[0];
  if (target === undefined) throw new FieldError('field "targets" is missing');
  const failureCode = optionalNumber(target, "failure");
  const shadowFailure = failureCode === 0 ? null : SHADOW_FAILURE_KINDS[failureCode - 1];
  if (shadowFailure === undefined) throw new FieldError(`field "targets[0].failure" has unknown value ${failureCode}`);
  return {
    id,
    proxyId: optionalString(raw, "proxy_id"),
    configVersion: optionalString(raw, "config_version"),
    method: requiredString(raw, "method"),
    authority: optionalString(raw, "authority"),
    path: requiredString(raw, "path"),
    requestHeaders: headers(raw, "request_headers"),
    startUnixNanos: optionalNumber(raw, "start_unix_nanos"),
    primary: response(raw.primary as WireMessage | undefined, "primary"),
    shadow: shadowFailure === null ? response(target, "targets[0]") : null,
    shadowFailure: shadowFailure as ShadowFailureKind | null,
  };
}

function response(message: WireMessage | undefined, name: string): CapturedResponse {
  if (message === undefined) throw new FieldError(`field "${name}" is missing`);
  const status = optionalNumber(message, "status");
  if (status < 100 || status > 599) throw new FieldError(`field "${name}.status" must be an HTTP status from 100 to 599, got ${status}`);
  const body = (message.body as Buffer | undefined) ?? Buffer.alloc(0);
  const bodySize = optionalNumber(message, "body_size");
  if (bodySize < body.length) throw new FieldError(`field "${name}.body_size" (${bodySize}) is smaller than the body (${body.length} bytes)`);
  return {
    status,
    headers: headers(message, "headers", `${name}.`),
    body,
    bodySize,
    truncated: (message.truncated as boolean | undefined) ?? false,
    latencyNanos: optionalNumber(message, "latency_nanos"),
  };
}

function headers(parent: WireMessage, name: string, prefix = ""): Header[] {
  const list = (parent[name] as WireMessage[] | undefined) ?? [];
  return list.map((header, index) => {
    const headerName = header.name;
    if (typeof headerName !== "string" || headerName === "") {
      throw new FieldError(`field "${prefix}${name}[${index}].name" is missing`);
    }
    return { name: headerName.toLowerCase(), value: (header.value as string | undefined) ?? "" };
  });
}

function requiredString(message: WireMessage, name: string): string {
  const value = message[name];
  if (typeof value !== "string" || value === "") throw new FieldError(`field "${name}" is missing`);
  return value;
}

function optionalString(message: WireMessage, name: string): string {
  const value: WireValue | WireValue[] | undefined = message[name];
  return typeof value === "string" ? value : "";
}

function optionalNumber(message: WireMessage, name: string): number {
  const value = message[name];
  return typeof value === "number" ? value : 0;
}
