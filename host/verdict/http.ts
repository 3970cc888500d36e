// GET a JSON document for the gate, with a timeout and errors that name the URL.

/** The gate could not read its source; says which URL and why. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${url})`, options);
    this.name = "SourceError";
  }
}

/** `token`: the collector's HTTP token (http.tokenFile), sent as `authorization: Bearer`. */
export async function fetchJson(url: URL, timeoutMs: number, token?: string): Promise<unknown> {
  let response: Response;
  try {
    const headers: Record<string, string> = { accept: "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : "cannot connect";
    throw new SourceError(reason, url.toString(), { cause: error });
  }
  const text = await response.text();
  if (!response.ok) throw new SourceError(`HTTP ${response.status}: ${text.slice(0, 200)}`, url.toString());
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SourceError("the answer is not JSON", url.toString(), { cause: error });
  }
}
