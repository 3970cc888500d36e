// The demo's gRPC client: GetProduct calls over one HTTP/2 connection (grpc-js) at a steady rate,
// whatever the answers, as traffic.ts sends its HTTP requests.
import { setTimeout as sleep } from "node:timers/promises";
import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { GET_PRODUCT } from "./grpc-catalog.js";
import type { TrafficResult } from "./traffic.js";

export async function sendGrpcTraffic(port: number, request: DescMessage, count: number, ratePerSecond: number): Promise<TrafficResult> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let failed = 0;
  const call = (id: number) =>
    new Promise<boolean>((resolve) => {
      const message = Buffer.from(toBinary(request, create(request, { id: BigInt(id) } as never)));
      client.makeUnaryRequest(GET_PRODUCT, (bytes: Buffer) => bytes, (bytes: Buffer) => bytes, message, new Metadata(), (error) => resolve(error === null));
    });
  try {
    for (let index = 0; index < count; index++) {
      const wait = started + (index * 1000) / ratePerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const one: Promise<void> = call(1 + ((index * 7919) % 500)).then((ok) => {
        done++;
        if (!ok) failed++;
        inFlight.delete(one);
      });
      inFlight.add(one);
    }
    await Promise.all(inFlight);
  } finally {
    client.close();
  }
  return { sent: done, failed, seconds: (performance.now() - started) / 1000 };
}
