import { describe, expect, it } from "vitest";
import { parseGrpcService } from "./grpc-service.js";
import { HeaderMap } from "./header-map.js";
import { decodePairs, encodePairs } from "./pairs.js";

describe("serialized pairs", () => {
  it("round-trips names and values, including empty values and UTF-8", () => {
    const pairs: Array<[string, string]> = [["a", ""], ["ünï", "cödé"], [":path", "/x?y=z"]];
    expect(decodePairs(encodePairs(pairs))).toEqual(pairs);
  });

  it("encodes byte lengths, not character counts", () => {
    const bytes = encodePairs([["k", "é"]]);
    expect(Buffer.from(bytes).toString("hex")).toBe("01000000" + "01000000" + "02000000" + "6b00" + "c3a900");
  });

  it.each([
    ["a short buffer", Uint8Array.of(1, 0)],
    ["a count larger than the data", Uint8Array.of(2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0)],
    ["a missing NUL", Uint8Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0x62, 0x63, 0x00)],
    ["trailing bytes", Uint8Array.of(...encodePairs([["a", "b"]]), 0)],
  ])("yields no pairs for %s, as PairsUtil::toPairs does", (_case, bytes) => {
    expect(decodePairs(bytes)).toEqual([]);
  });
});

describe("HeaderMap", () => {
  it("replaces every entry with one at the end and reports Envoy's byte size", () => {
    const map = new HeaderMap([["a", "1"], ["b", "2"], ["a", "3"]]);
    map.replace("A", "x");
    expect(map.pairs()).toEqual([["b", "2"], ["a", "x"]]);
    expect(map.byteSize()).toBe(4);
  });

  it("inserts pseudo-headers before regular ones", () => {
    const map = new HeaderMap([["x", "1"]]);
    map.add(":status", "200");
    expect(map.pairs()).toEqual([[":status", "200"], ["x", "1"]]);
  });
});

describe("GrpcService parsing", () => {
  const field = (n: number, payload: Uint8Array) => Uint8Array.of((n << 3) | 2, payload.length, ...payload);
  const text = (s: string) => new TextEncoder().encode(s);

  it("reads envoy_grpc cluster_name and authority", () => {
    const bytes = field(1, Uint8Array.of(...field(1, text("outbound|9000||c")), ...field(2, text("collector"))));
    expect(parseGrpcService(bytes)).toEqual({ kind: "envoy_grpc", cluster: "outbound|9000||c", authority: "collector" });
  });

  it("skips fields it does not know, like a timeout", () => {
    const timeout = Uint8Array.of((3 << 3) | 2, 2, 0x08, 0x05);
    const bytes = Uint8Array.of(...timeout, ...field(1, field(1, text("c"))));
    expect(parseGrpcService(bytes)).toEqual({ kind: "envoy_grpc", cluster: "c", authority: "" });
  });

  it("fails on bytes that are no protobuf, such as a bare cluster name", () => {
    expect(parseGrpcService(text("outbound|9000||collector"))).toBeUndefined();
    expect(parseGrpcService(Uint8Array.of(0x0a, 0x05, 0x01))).toBeUndefined();
  });
});
