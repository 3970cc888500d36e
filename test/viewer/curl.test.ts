import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { curlCommand, shellQuote } from "../../viewer/src/curl.js";

/** The words a POSIX shell makes of `command` (printed one per line by printf). */
function shellWords(command: string): string[] {
  const script = command.replace(/^curl /, "printf '%s\\n' ");
  return execFileSync("sh", ["-c", script], { encoding: "utf8" }).split("\n").slice(0, -1);
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

  it("control characters in a path are percent-encoded, so the URL stays one line", () => {
    const { command } = curlCommand({ method: "GET", authority: "a", path: "/x\ny\u007f", requestHeaders: [] });
    expect(command).toBe("curl --globoff 'http://a/x%0Ay%7F'");
  });

  it("shellQuote", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellWords(`curl ${shellQuote("it's $HOME")}`)).toEqual(["it's $HOME"]);
  });
});
