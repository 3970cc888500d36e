import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { BodyView } from "../../host/mismatches/mismatch-view.js";
import { grpcurlApplies, grpcurlCommand } from "../../viewer/src/grpcurl.js";

/** The words a POSIX shell makes of `command` (printed NUL-terminated by printf, so a word may hold a newline). */
function shellWords(command: string): string[] {
  const script = command.replace(/^grpcurl /, "printf '%s\\000' ");
  return execFileSync("sh", ["-c", script], { encoding: "utf8" }).split("\0").slice(0, -1);
}

function message(json: string, extra: Partial<BodyView> = {}): BodyView {
  return { body: json, bodyEncoding: "utf8", storedBytes: json.length, bodySize: json.length + 5, truncated: false, grpcMessage: "shop.catalog.v1.GetProductRequest", ...extra };
}

const CALL = { method: "POST", authority: "catalog.shop.svc:9090", path: "/shop.catalog.v1.Catalog/GetProduct", descriptorSets: ["catalog.pb"] };

describe("grpcurlCommand", () => {
  it("makes the call again: the message as JSON, the metadata but what grpcurl sets and what was redacted", () => {
    const { command, leftOut, bodyNote } = grpcurlCommand({
      ...CALL,
      requestHeaders: [
        { name: "x-tenant", value: "acme" },
        { name: "authorization", value: "[redacted]" },
        { name: "grpc-timeout", value: "5S" },
        { name: "te", value: "trailers" },
      ],
      requestBody: message('{"id":"7"}'),
    });
    expect(command).toBe(`grpcurl -plaintext -protoset 'catalog.pb' -H 'x-tenant: acme' -d '{"id":"7"}' 'catalog.shop.svc:9090' 'shop.catalog.v1.Catalog/GetProduct'`);
    expect(leftOut).toEqual([
      { name: "authorization", why: "redacted" },
      { name: "grpc-timeout", why: "set by grpcurl" },
      { name: "te", why: "set by grpcurl" },
    ]);
    expect(bodyNote).toBeNull();
  });

  it("an authority without a port is port 80; a redacted message says the call is not replayed exactly", () => {
    const { command, bodyNote } = grpcurlCommand({ ...CALL, authority: "catalog", requestHeaders: [], descriptorSets: [], requestBody: message('{"password":"[redacted]"}', { bodyRedacted: true }) });
    expect(command).toBe(`grpcurl -plaintext -d '{"password":"[redacted]"}' 'catalog:80' 'shop.catalog.v1.Catalog/GetProduct'`);
    expect(bodyNote).toMatch(/redacted/);
  });

  it("applies only to a message kept whole as JSON", () => {
    expect(grpcurlApplies({ ...CALL, requestHeaders: [], requestBody: message("{}") })).toBe(true);
    expect(grpcurlApplies({ ...CALL, requestHeaders: [], requestBody: null })).toBe(false);
    expect(grpcurlApplies({ ...CALL, requestHeaders: [], requestBody: message("{}", { grpcMessage: undefined }) })).toBe(false);
    expect(grpcurlApplies({ ...CALL, requestHeaders: [], requestBody: message("{}", { truncated: true }) })).toBe(false);
    expect(grpcurlApplies({ ...CALL, requestHeaders: [], requestBody: { ...message(""), bodyWithheld: "the message could not be decoded", grpcMessage: undefined } })).toBe(false);
  });

  it("hostile values stay single arguments to a real shell: nothing is expanded, nothing runs", () => {
    const hostile = "'; touch /tmp/shadowdiff-pwned; echo '$(id)`id`\"";
    const { command, leftOut } = grpcurlCommand({
      ...CALL,
      authority: `a${hostile}`,
      path: `/x.Y/${hostile}\r\nZ`,
      descriptorSets: [hostile],
      requestHeaders: [{ name: "x-evil", value: hostile }, { name: "x-split", value: "a\r\nInjected: yes" }],
      requestBody: message(JSON.stringify({ note: hostile })),
    });
    expect(shellWords(command)).toEqual([
      "-plaintext", "-protoset", hostile, "-H", `x-evil: ${hostile}`, "-d", JSON.stringify({ note: hostile }), `a${hostile}:80`, `x.Y/${hostile}Z`,
    ]);
    expect(leftOut).toEqual([{ name: "x-split", why: "holds control characters" }]);
  });
});
