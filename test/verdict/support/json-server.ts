// A small HTTP server on 127.0.0.1:0 that answers GETs from a function, for the verdict's
// sources (Prometheus' query API, a collector's /api/summary) in unit tests.
import { createServer, type Server } from "node:http";

export interface JsonServer {
  url: string;
  /** The paths with query strings requested so far. */
  requests: string[];
  close(): Promise<void>;
}

export type Answer = { status?: number; body: unknown } | undefined;

export async function startJsonServer(answer: (url: URL) => Answer): Promise<JsonServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    requests.push(`${url.pathname}${url.search}`);
    const reply = answer(url);
    if (reply === undefined) {
      response.writeHead(404).end("not found");
      return;
    }
    const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    response.writeHead(reply.status ?? 200, { "content-type": "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An instant-vector answer of Prometheus' /api/v1/query: route → value (as Prometheus writes it). */
export function vector(values: Record<string, string>): unknown {
  return {
    status: "success",
    data: {
      resultType: "vector",
      result: Object.entries(values).map(([route, value]) => ({ metric: { route }, value: [1_700_000_000.123, value] })),
    },
  };
}
