// A client that keeps every byte of the answer: one HTTP/1.1 request on its own connection, and
// the response as it came off the wire (status line, headers, body). Whether a filter changed what
// the client gets is a question about bytes.
import { connect } from "node:net";

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RawResponse {
  /** Every byte received. */
  bytes: Buffer;
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

export function rawRequest(host: string, port: number, request: RawRequest): Promise<RawResponse> {
  const body = Buffer.from(request.body ?? "");
  const headers = { host: "api.shop.svc.cluster.local", ...(request.body === undefined ? {} : { "content-length": String(body.length) }), connection: "close", ...request.headers };
  const head = [`${request.method ?? "GET"} ${request.path} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "", ""].join("\r\n");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written without closing our side: Envoy takes a half-closed connection for an abandoned request.
    // `connection: close` has the server close it once it has answered.
    const socket = connect(port, host, () => socket.write(Buffer.concat([Buffer.from(head), body])));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", reject);
    socket.once("end", () => {
      socket.end();
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no complete HTTP response: ${JSON.stringify(bytes.toString("latin1").slice(0, 200))}`);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  return { bytes, status: Number(statusLine!.split(" ")[1]), headers, body: bytes.subarray(end + 4) };
}

/**
 * The response with the two values Envoy makes anew for every answer, plugin or not, blanked: the
 * `date` and the upstream's time (`x-envoy-upstream-service-time`). All else must be identical.
 */
export function withoutPerResponseValues(response: RawResponse): string {
  return response.bytes
    .toString("latin1")
    .replace(/^(date|x-envoy-upstream-service-time): .*$/gim, "$1: <per response>");
}
