// The test client: plain node:http requests through Envoy, keeping the raw bytes and the time taken.
import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";

export interface ClientResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  elapsedMs: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export interface RequestOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string;
}

export function send(port: number, path: string, options: RequestOptions = {}): Promise<ClientResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, agent },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks),
            elapsedMs: performance.now() - started,
          }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

/** Send `count` requests, `concurrency` at a time; `pathOf(i)` names each, `options` applies to all. */
export async function sendMany(
  port: number,
  count: number,
  pathOf: (index: number) => string,
  concurrency = 16,
  options: RequestOptions = {},
): Promise<ClientResponse[]> {
  const responses: ClientResponse[] = new Array<ClientResponse>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      responses[index] = await send(port, pathOf(index), options);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return responses;
}
