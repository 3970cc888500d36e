import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { curlCommand, shellQuote } from "../../viewer/src/curl.js";

/** The words a POSIX shell makes of `command` (printed NUL-terminated by printf, so a word may hold a newline). */
function shellWords(command: string): string[] {
  const script = command.replace(/^curl /, "printf '%s\\000' ");
  return execFileSync("sh", ["-c", script], { encoding: "utf8" }).split("\0").slice(0, -1);
}

describe("curlCommand", () => {
  it("sends the captured request again, without the redacted headers", () => {
    const { command, leftOut } = curlCommand({
      method: "GET",
      authority: "api.shop.local",
      path: "/users/42?full=1&token=[redacted]",
      requestHeaders: [
        { name: "accept", value: "application/json" },
        { name: "authorization", value: "[redacted]" },
        { name: "x-tenant", value: "acme" },
      ],
    });
    expect(command).toBe("curl --globoff --header 'accept: application/json' --header 'x-tenant: acme' 'http://api.shop.local/users/42?full=1&token=[redacted]'");
    expect(leftOut).toEqual([{ name: "authorization", why: "redacted" }]);
  });

  it("HEAD and other methods", () => {
    expect(curlCommand({ method: "HEAD", authority: "a", path: "/", requestHeaders: [] }).command).toBe("curl --globoff --head 'http://a/'");
    expect(curlCommand({ method: "DELETE", authority: "a", path: "/x", requestHeaders: [] }).command).toBe("curl --globoff --request 'DELETE' 'http://a/x'");
  });

  it("hostile values stay single arguments to a real shell: nothing is expanded, nothing runs", () => {
    const hostile = "'; touch /tmp/shadowdiff-pwned; echo '$(id)`id`\"";
    const { command, leftOut } = curlCommand({
      method: "GET",
      authority: "a.local",
      path: `/p/${hostile}`,
      requestHeaders: [
        { name: "x-evil", value: hostile },
        { name: "x-split", value: "a\r\nInjected: yes" },
        { name: "host", value: "other" },
        { name: ":authority", value: "other" },
      ],
    });
    expect(shellWords(command)).toEqual(["--globoff", "--header", `x-evil: ${hostile}`, `http://a.local/p/${hostile}`]);
    expect(leftOut).toEqual([
      { name: "x-split", why: "holds control characters" },
      { name: "host", why: "set by curl" },
      { name: ":authority", why: "set by curl" },
    ]);
  });

  it("a body kept whole goes with --data-binary, a hostile one still one argument; a cut, withheld, binary or NUL body does not, and says why", () => {
    const hostile = "'; touch /tmp/shadowdiff-pwned; echo '$(id)`id`\"\n{\"a\":1}";
    const whole = { body: hostile, bodyEncoding: "utf8" as const, storedBytes: Buffer.byteLength(hostile), bodySize: Buffer.byteLength(hostile), truncated: false };
    const request = (requestBody: typeof whole & Record<string, unknown>) => curlCommand({ method: "POST", authority: "a.local", path: "/orders", requestHeaders: [], requestBody });
    const sent = request(whole);
    expect(shellWords(sent.command)).toEqual(["--globoff", "--request", "POST", "--data-binary", hostile, "http://a.local/orders"]);
    expect(sent.bodyNote).toBeNull();
    expect(shellWords(request({ ...whole, body: "", storedBytes: 0, bodySize: 0 }).command)).toEqual(["--globoff", "--request", "POST", "--data-binary", "", "http://a.local/orders"]);

    const redacted = request({ ...whole, body: '{"password":"[redacted]"}', storedBytes: 25, bodySize: 20, bodyRedacted: true });
    expect(shellWords(redacted.command)).toContain('{"password":"[redacted]"}');
    expect(redacted.bodyNote).toMatch(/redacted.*does not replay the request exactly/);

    const notSent: [string, Record<string, unknown>, RegExp][] = [
      ["cut by the filter", { storedBytes: 10, bodySize: 5000, truncated: true }, /only its first 10 of 5000 bytes were captured/],
      ["cut by the collector", { storedBytes: 10, bodySize: 5000, bodyCut: true }, /keeps only its first 10 of 5000 bytes/],
      ["withheld", { body: "", storedBytes: 0, bodyWithheld: "not JSON" }, /keeps no body it could not redact/],
      ["decoded", { bodyDecoded: true }, /content-encoding undone/],
      ["binary", { body: "/wA=", bodyEncoding: "base64", storedBytes: 2, bodySize: 2 }, /binary/],
      ["holding a NUL", { body: "a\u0000b", storedBytes: 3, bodySize: 3 }, /NUL/],
    ];
    for (const [name, change, why] of notSent) {
      const { command, bodyNote } = request({ ...whole, ...change });
      expect(command, name).not.toContain("--data-binary");
      expect(bodyNote, name).toMatch(why);
    }
  });

  it("control characters in a path are percent-encoded, so the URL stays one line", () => {
    const { command } = curlCommand({ method: "GET", authority: "a", path: "/x\ny\u007f", requestHeaders: [] });
    expect(command).toBe("curl --globoff 'http://a/x%0Ay%7F'");
  });

  it("shellQuote", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellWords(`curl ${shellQuote("it's $HOME")}`)).toEqual(["it's $HOME"]);
  });
});
