// The demo's sample catalog as a gRPC service (demo/proto/shop/catalog/v1/catalog.proto), on
// grpc-js, its messages read and written through the descriptor set protoc made of the .proto
// (build/proto/catalog.pb), as a service built from a .proto would. v2 differs from v1 on purpose
// in one field of GetProduct's answer (the price's nanos: a new rounding rule) and writes its
// answers' fields in reverse order (valid protobuf: equal messages, other bytes); v3 answers as
// v1. Noisy, as the HTTP catalog is (a fresh time and id per answer), unless `deterministic`, for
// byte-for-byte tests. Besides Catalog, an Extras service that is in no descriptor set: its Echo
// answers the request's bytes as they came (v2: with the last byte changed).
import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary, type DescMessage, type FileRegistry, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Server, ServerCredentials, status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream,
  type ServiceDefinition, type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadDescriptorSets } from "../host/grpc/descriptor-sets.js";

export const GRPC_CATALOG_VERSIONS = ["v1", "v2", "v3"] as const;
export type GrpcCatalogVersion = (typeof GRPC_CATALOG_VERSIONS)[number];

export const CATALOG_SERVICE = "shop.catalog.v1.Catalog";
export const GET_PRODUCT = `/${CATALOG_SERVICE}/GetProduct`;
export const LIST_PRODUCTS = `/${CATALOG_SERVICE}/ListProducts`;
export const RECORD_VIEWS = `/${CATALOG_SERVICE}/RecordViews`;
/** In no descriptor set: its messages are bytes to the collector. */
export const EXTRAS_ECHO = "/shop.catalog.v1.Extras/Echo";

export interface GrpcCatalogOptions {
  /** No time or id that changes per answer: the same request, the same bytes. */
  deterministic?: boolean;
  /** grpc-js's limit on a message received (4 MiB by default). */
  maxReceiveBytes?: number;
}

export interface GrpcCatalog {
  readonly port: number;
  /** Calls received, by method path, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

/** The catalog's message types, read from the descriptor set at `descriptorSet`. */
export class CatalogTypes {
  readonly registry: FileRegistry;
  readonly getProductRequest: DescMessage;
  readonly listProductsRequest: DescMessage;
  readonly productView: DescMessage;
  readonly viewSummary: DescMessage;
  readonly product: DescMessage;

  constructor(descriptorSet: string) {
    this.registry = loadDescriptorSets([descriptorSet]);
    const message = (name: string): DescMessage => {
      const desc = this.registry.getMessage(`shop.catalog.v1.${name}`);
      if (desc === undefined) throw new Error(`${descriptorSet} has no shop.catalog.v1.${name}`);
      return desc;
    };
    this.getProductRequest = message("GetProductRequest");
    this.listProductsRequest = message("ListProductsRequest");
    this.productView = message("ProductView");
    this.viewSummary = message("ViewSummary");
    this.product = message("Product");
  }
}

type Message = MessageShape<DescMessage> & Record<string, unknown>;

function method(path: string, requestStream: boolean, responseStream: boolean, request: DescMessage, response: DescMessage, writeResponse: (message: Message) => Buffer) {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: (message: Message) => Buffer.from(toBinary(request, message)),
    requestDeserialize: (bytes: Buffer) => fromBinary(request, bytes) as Message,
    responseSerialize: writeResponse,
    responseDeserialize: (bytes: Buffer) => fromBinary(response, bytes) as Message,
  };
}

/** `message` with its set fields written one by one, last field first. */
function reversedFields(desc: DescMessage, message: Message): Buffer {
  const parts: Buffer[] = [];
  for (const field of desc.fields) {
    const alone = create(desc, { [field.localName]: message[field.localName] } as never);
    parts.push(Buffer.from(toBinary(desc, alone)));
  }
  return Buffer.concat(parts.reverse());
}

function product(types: CatalogTypes, id: bigint, version: GrpcCatalogVersion, deterministic: boolean, description = ""): Message {
  const cents = 999n + ((id * 37n) % 5000n);
  // v1 and v3 keep whole cents; v2 (the deliberate regression) truncates to ten cents.
  const kept = version === "v2" ? (cents / 10n) * 10n : cents;
  return create(types.product, {
    id,
    name: `product ${id}`,
    price: { currency: "EUR", units: kept / 100n, nanos: Number(kept % 100n) * 10_000_000 },
    tags: ["demo", "new", "sale"],
    availability: id % 2n === 0n ? 1 : 2,
    attributes: { colour: "blue", size: "m", origin: "eu" },
    updatedAt: timestampFromMs(deterministic ? 1_700_000_000_000 + Number(id) * 1000 : Date.now()),
    requestId: deterministic ? "" : randomUUID(),
    description,
  } as never) as Message;
}

export async function startGrpcCatalog(version: GrpcCatalogVersion, descriptorSet: string, options: GrpcCatalogOptions = {}): Promise<GrpcCatalog> {
  const types = new CatalogTypes(descriptorSet);
  const deterministic = options.deterministic ?? false;
  const calls: string[] = [];
  const writeProduct = (message: Message) =>
    version === "v2" ? reversedFields(types.product, message) : Buffer.from(toBinary(types.product, message));
  const catalog = {
    GetProduct: method(GET_PRODUCT, false, false, types.getProductRequest, types.product, writeProduct),
    ListProducts: method(LIST_PRODUCTS, false, true, types.listProductsRequest, types.product, writeProduct),
    RecordViews: method(RECORD_VIEWS, true, false, types.productView, types.viewSummary, (m) => Buffer.from(toBinary(types.viewSummary, m))),
  } as unknown as ServiceDefinition;
  const raw = (bytes: Buffer) => bytes;
  const extras = {
    Echo: { path: EXTRAS_ECHO, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
  } as unknown as ServiceDefinition;

  const server = new Server({ "grpc.max_receive_message_length": options.maxReceiveBytes ?? 4 * 1024 * 1024 });
  server.addService(catalog, {
    GetProduct: (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
      calls.push(GET_PRODUCT);
      const request = call.request as unknown as { id: bigint; behaviour: string; size: number };
      if (request.behaviour === "v2-unavailable" && version === "v2") {
        return callback({ code: status.UNAVAILABLE, details: "the price service is overloaded" });
      }
      if (request.behaviour === "not-found") {
        // No message: grpc-js answers trailers only.
        return callback({ code: status.NOT_FOUND, details: version === "v2" ? `no product ${request.id}` : `product ${request.id} not found` });
      }
      const description = request.behaviour === "large" ? "d".repeat(request.size) : "";
      callback(null, product(types, request.id, version, deterministic, description));
    },
    ListProducts: (call: ServerWritableStream<Message, Message>) => {
      calls.push(LIST_PRODUCTS);
      const count = (call.request as unknown as { count: number }).count;
      for (let i = 1; i <= count; i++) call.write(product(types, BigInt(i), version, deterministic));
      call.end();
    },
    RecordViews: (call: ServerReadableStream<Message, Message>, callback: sendUnaryData<Message>) => {
      calls.push(RECORD_VIEWS);
      let views = 0;
      call.on("data", () => views++);
      call.on("end", () => callback(null, create(types.viewSummary, { views } as never) as Message));
    },
  } as UntypedServiceImplementation);
  server.addService(extras, {
    Echo: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      calls.push(EXTRAS_ECHO);
      const echo = Buffer.from(call.request);
      if (version === "v2" && echo.length > 0) echo[echo.length - 1] = (echo[echo.length - 1] as number) ^ 0xff;
      callback(null, echo);
    },
  } as UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    calls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
