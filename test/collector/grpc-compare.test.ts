// gRPC answers compared field by field: messages read through a descriptor set protoc made
// (build/proto/kinds.pb) into their proto3 JSON forms and compared by the JSON engine (paths,
// ignore paths, unordered arrays, redaction); the gRPC status compared like the HTTP status; a
// message the descriptors cannot read compared as bytes, and said so; never an exception.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { fromJson, toBinary, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { CapturedResponse, Header } from "../../host/capture/pair.js";
import { Comparator } from "../../host/compare/comparator.js";
import type { Comparison } from "../../host/compare/comparison.js";
import { loadDescriptorSets } from "../../host/grpc/descriptor-sets.js";
import { GrpcMessages } from "../../host/grpc/grpc-messages.js";
import { differencesOf } from "../../host/pipeline/pair-processor.js";
import { summarize } from "../../host/mismatches/mismatch-record.js";

export const KINDS_PB = fileURLToPath(new URL("../../build/proto/kinds.pb", import.meta.url));
const registry = loadDescriptorSets([KINDS_PB]);
const messages = new GrpcMessages(registry, [KINDS_PB]);
const Everything = registry.getMessage("shadowdiff.test.v1.Everything") as DescMessage;
const ECHO = "/shadowdiff.test.v1.Kinds/Echo";

/** A message given as its proto3 JSON, encoded as protobuf. */
export function encode(json: JsonValue, type: DescMessage = Everything): Buffer {
  return Buffer.from(toBinary(type, fromJson(type, json, { registry })));
}

/** One gRPC message as it travels: the compressed flag, a 4-byte big-endian length, the bytes. */
export function frame(message: Uint8Array, compressed = false): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function answer(body: Buffer, trailers: Header[] = [{ name: "grpc-status", value: "0" }], headers: Header[] = []): CapturedResponse {
  return {
    status: 200,
    headers: [{ name: "content-type", value: "application/grpc" }, ...headers],
    body,
    bodySize: body.length,
    truncated: false,
    latencyNanos: 1_000_000,
    trailers,
  };
}

interface Options {
  ignorePaths?: string[];
  unorderedArrays?: string[];
  redactPaths?: string[];
  trailers?: string[];
  grpcMessages?: GrpcMessages;
}

function comparator(options: Options = {}): Comparator {
  return new Comparator({
    headers: ["content-type"],
    ignorePaths: options.ignorePaths ?? [],
    unorderedArrays: options.unorderedArrays ?? [],
    numericTolerance: 0,
    redactPaths: options.redactPaths ?? [],
    trailers: options.trailers ?? [],
    grpcMessages: options.grpcMessages ?? messages,
  });
}

function compare(primary: CapturedResponse, shadow: CapturedResponse, options: Options = {}, path = ECHO): Comparison {
  return comparator(options).compare(primary, { response: shadow, failure: null }, path);
}

function compareMessages(primary: JsonValue, shadow: JsonValue, options: Options = {}): Comparison {
  return compare(answer(frame(encode(primary))), answer(frame(encode(shadow))), options);
}

const paths = (comparison: Comparison) => comparison.body?.differences.map((d) => `${d.kind} ${d.path}`);

describe("messages compared as their proto3 JSON forms", () => {
  it("a field left at its default equals the field absent, and field order never matters", () => {
    // count = 0 and name = "" written out explicitly, then the other fields in reverse order.
    const explicitDefaults = Buffer.concat([Buffer.from([0x10, 0x00, 0x0a, 0x00]), encode({ flag: true }), encode({ ratio: 0.5 })]);
    const comparison = compare(answer(frame(explicitDefaults)), answer(frame(encode({ ratio: 0.5, flag: true }))));
    expect(comparison.outcome).toBe("match");
    expect(comparison.grpc).toEqual({ messages: "decoded", messageType: "shadowdiff.test.v1.Everything" });
  });

  it("reads maps as maps: entry order never matters, a changed entry is named by its key", () => {
    const a = Buffer.concat([encode({ scores: { a: 1 } }), encode({ scores: { b: 2 } })]);
    const b = Buffer.concat([encode({ scores: { b: 2 } }), encode({ scores: { a: 1 } })]);
    expect(compare(answer(frame(a)), answer(frame(b))).outcome).toBe("match");
    const changed = compareMessages({ scores: { a: 1, b: 2 }, byId: { "7": { sku: "x" } } }, { scores: { a: 1, b: 3 }, byId: { "7": { sku: "y" } } });
    expect(paths(changed)).toEqual(['changed $.byId["7"].sku', "changed $.scores.b"]);
  });

  it("names enums, spells 64-bit integers exactly and bytes as base64", () => {
    const comparison = compareMessages(
      { colour: "RED", big: "9007199254740993", huge: "18446744073709551615", blob: "AAEC" },
      { colour: "GREEN", big: "9007199254740992", huge: "18446744073709551615", blob: "AAED" },
    );
    expect(comparison.body?.differences).toEqual([
      { path: "$.big", kind: "changed", primary: '"9007199254740993"', shadow: '"9007199254740992"' },
      { path: "$.blob", kind: "changed", primary: '"AAEC"', shadow: '"AAED"' },
      { path: "$.colour", kind: "changed", primary: '"RED"', shadow: '"GREEN"' },
    ]);
  });

  it("shows well-known types in their JSON forms", () => {
    const comparison = compareMessages(
      {
        at: "2024-05-01T10:00:00Z", took: "1.500s", extra: { a: [1, "x"] }, maybe: 0, mask: "a.b,c",
        detail: { "@type": "type.googleapis.com/shadowdiff.test.v1.Item", sku: "s-1", qty: 1 },
      },
      {
        at: "2024-05-01T10:00:01Z", took: "1.500s", extra: { a: [1, "y"] }, mask: "a.b,c",
        detail: { "@type": "type.googleapis.com/shadowdiff.test.v1.Item", sku: "s-1", qty: 2 },
      },
    );
    expect(comparison.body?.differences).toEqual([
      { path: "$.at", kind: "changed", primary: '"2024-05-01T10:00:00Z"', shadow: '"2024-05-01T10:00:01Z"' },
      { path: "$.detail.qty", kind: "changed", primary: "1", shadow: "2" },
      { path: "$.extra.a[1]", kind: "changed", primary: '"x"', shadow: '"y"' },
      // A wrapper set to 0 is present: that is what wrappers are for.
      { path: "$.maybe", kind: "removed", primary: "0" },
    ]);
  });

  it("reports fields the descriptors do not know, where they were found", () => {
    const unknownTop = Buffer.from([0xa8, 0x06, 0x05]); // field 101, varint 5
    const unknownInItem = encode({ item: { sku: "a" } });
    const itemWithUnknown = Buffer.from([0x4a, 0x05, 0x0a, 0x01, 0x61, 0x38, 0x07]); // item { sku: "a", field 7: 7 }
    const comparison = compare(answer(frame(unknownInItem)), answer(frame(Buffer.concat([itemWithUnknown, unknownTop]))));
    expect(comparison.outcome).toBe("mismatch");
    expect(comparison.body?.differences).toEqual([
      { path: '$.item["unknown field 7"]', kind: "added", shadow: "[array of 1]" },
      { path: '$["unknown field 101"]', kind: "added", shadow: "[array of 1]" },
    ].sort((a, b) => (a.path < b.path ? -1 : 1)));
  });

  it("takes ignore paths, unordered arrays and redaction as JSON does", () => {
    const primary = { item: { sku: "a", qty: 1, password: "hunter2" }, items: [{ sku: "a" }, { sku: "b" }], accessToken: "t-1" };
    const shadow = { item: { sku: "a", qty: 2, password: "hunter3" }, items: [{ sku: "b" }, { sku: "a" }], accessToken: "t-2" };
    const comparison = compareMessages(primary, shadow, { ignorePaths: ["$.item.qty"], unorderedArrays: ["$.items"], redactPaths: ["$..password", "$..accessToken"] });
    expect(comparison.body?.differences).toEqual([
      { path: "$.accessToken", kind: "changed", primary: "[redacted]", shadow: "[redacted]" },
      { path: "$.item.password", kind: "changed", primary: "[redacted]", shadow: "[redacted]" },
    ]);
  });

  it("decompresses a message by its side's grpc-encoding", () => {
    const message = encode({ name: "same" });
    const gzip = answer(frame(gzipSync(message), true), undefined, [{ name: "grpc-encoding", value: "gzip" }]);
    expect(compare(gzip, answer(frame(message))).outcome).toBe("match");
  });

  it("compares a request the primary and the shadow answer with no message at all", () => {
    const notFound = [{ name: "grpc-status", value: "5" }, { name: "grpc-message", value: "no such item" }];
    const comparison = compare(answer(Buffer.alloc(0), notFound), answer(Buffer.alloc(0), notFound), { trailers: ["grpc-message"] });
    expect(comparison.outcome).toBe("match");
    expect(comparison.grpc).toEqual({ messages: "none" });
    const oneSided = compare(answer(frame(encode({ name: "a" }))), answer(Buffer.alloc(0), notFound));
    expect(oneSided.body?.differences).toEqual([{ path: "$", kind: "removed", primary: "{object of 1 keys}" }]);
  });
});

describe("the gRPC status and trailers", () => {
  it("a different grpc-status is a mismatch of kind status, whatever the messages", () => {
    const comparison = compare(answer(frame(encode({ name: "a" }))), answer(Buffer.alloc(0), [{ name: "grpc-status", value: "14" }, { name: "grpc-message", value: "unavailable" }]));
    expect(comparison.outcome).toBe("mismatch");
    expect(comparison.grpc?.status).toEqual({ primary: 0, shadow: 14 });
    expect(differencesOf(comparison)).toContainEqual({ field: "grpc-status", kind: "status" });
    expect(summarize(comparison)).toContain("grpc-status 0 → 14");
  });

  it("an answer without grpc-status differs from one with it; a status that is no number is compared as it came", () => {
    expect(compare(answer(Buffer.alloc(0), []), answer(Buffer.alloc(0))).grpc?.status).toEqual({ primary: null, shadow: 0 });
    expect(compare(answer(Buffer.alloc(0), [{ name: "grpc-status", value: "x1" }]), answer(Buffer.alloc(0))).grpc?.status).toEqual({ primary: "x1", shadow: 0 });
  });

  it("reads grpc-message percent-decoded, as gRPC clients do; a sequence that does not decode as it came", () => {
    const p = answer(Buffer.alloc(0), [{ name: "grpc-status", value: "5" }, { name: "grpc-message", value: "no%20product%207%3A%20caf%C3%A9" }]);
    const s = answer(Buffer.alloc(0), [{ name: "grpc-status", value: "5" }, { name: "grpc-message", value: "100%zz" }]);
    expect(compare(p, s, { trailers: ["grpc-message"] }).trailers).toEqual([{ name: "grpc-message", primary: "no product 7: café", shadow: "100%zz" }]);
  });

  it("compares the configured trailers like headers; others are not compared", () => {
    const p = answer(Buffer.alloc(0), [{ name: "grpc-status", value: "0" }, { name: "x-cost", value: "1" }, { name: "x-other", value: "a" }]);
    const s = answer(Buffer.alloc(0), [{ name: "grpc-status", value: "0" }, { name: "x-cost", value: "2" }, { name: "x-other", value: "b" }]);
    const comparison = compare(p, s, { trailers: ["x-cost"] });
    expect(comparison.outcome).toBe("mismatch");
    expect(comparison.trailers).toEqual([{ name: "x-cost", primary: "1", shadow: "2" }]);
    expect(differencesOf(comparison)).toEqual([{ field: "trailer x-cost", kind: "header" }]);
  });
});

describe("messages the descriptors cannot read: compared as bytes, and said so", () => {
  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

  it.each<[string, Buffer, Buffer, string, RegExp]>([
    ["an invalid message", frame(garbage), frame(encode({ name: "a" })), ECHO, /the primary's message is not a valid shadowdiff\.test\.v1\.Everything: /],
    ["a corrupt frame", Buffer.from([0, 0, 0, 0, 9, 1, 2]), frame(encode({ name: "a" })), ECHO, /the primary's body is not one length-prefixed message: the message at byte 0 says 9 bytes, but 2 follow/],
    ["a compressed flag of 2", frame(encode({ name: "a" })), Buffer.concat([Buffer.from([2]), frame(encode({ name: "a" })).subarray(1)]), ECHO, /the shadow's body is not one length-prefixed message: the compressed flag at byte 0 is 2/],
    ["a method missing from the descriptors", frame(encode({ name: "a" })), frame(encode({ name: "b" })), "/shadowdiff.test.v1.Kinds/Missing", /method \/shadowdiff\.test\.v1\.Kinds\/Missing is not in the descriptor sets/],
    ["a service missing from the descriptors", frame(encode({ name: "a" })), frame(encode({ name: "b" })), "/other.Service/Echo", /method \/other\.Service\/Echo is not in the descriptor sets/],
    ["a compression the collector does not read", frame(encode({ name: "a" }), true), frame(encode({ name: "b" })), ECHO, /primary: the message is compressed with snappy, which the collector does not decompress/],
  ])("%s", (_name, primaryBody, shadowBody, path, detail) => {
    const primary = answer(primaryBody, undefined, [{ name: "grpc-encoding", value: "snappy" }]);
    const comparison = compare(primary, answer(shadowBody), {}, path);
    expect(comparison.outcome).toBe("mismatch");
    expect(comparison.grpc?.messages).toBe("bytes");
    expect(comparison.grpc?.detail).toMatch(detail);
    expect(comparison.body?.kind).toBe("binary");
    expect(comparison.body?.primaryDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("without descriptor sets at all", () => {
    const comparison = compare(answer(frame(encode({ name: "a" }))), answer(frame(encode({ name: "b" }))), { grpcMessages: new GrpcMessages(null) });
    expect(comparison.grpc).toEqual({ messages: "bytes", detail: "no descriptor sets are configured (compare.descriptorSets)" });
  });

  it("a Struct nested 60,000 deep, an Any of a type no set has: bytes, no exception", () => {
    // Everything.extra (17) = Struct { fields: { "a": Value { struct_value: Struct { ... } } } }, nested;
    // each level's prefixes, made from the inside out and joined once.
    const prefixes: Buffer[] = [];
    let inner = 0;
    for (let depth = 0; depth < 60_000; depth++) {
      const value = Buffer.concat([Buffer.from([0x2a]), varint(inner)]); // Value.struct_value (5)
      const entry = Buffer.concat([Buffer.from([0x0a, 0x01, 0x61, 0x12]), varint(value.length + inner)]); // key "a", value (2)
      const struct = Buffer.concat([Buffer.from([0x0a]), varint(entry.length + value.length + inner)]); // Struct.fields (1)
      prefixes.push(Buffer.concat([struct, entry, value]));
      inner += struct.length + entry.length + value.length;
    }
    const deep = Buffer.concat([Buffer.from([0x8a, 0x01]), varint(inner), ...prefixes.reverse()]);
    expect(deep.length).toBeLessThan(1_048_576);
    const deepComparison = compare(answer(frame(deep)), answer(frame(encode({ name: "a" }))));
    expect(deepComparison.grpc?.messages).toBe("bytes");
    expect(deepComparison.grpc?.detail).toMatch(/the primary's message is not a valid shadowdiff\.test\.v1\.Everything/);
    const unknownAny = Buffer.concat([Buffer.from([0x92, 0x01, 0x0f, 0x0a, 0x0d]), Buffer.from("example.com/x")]);
    const anyComparison = compare(answer(frame(unknownAny)), answer(frame(encode({ name: "a" }))));
    expect(anyComparison.grpc?.messages).toBe("bytes");
  });
});

describe("answers that cannot be compared", () => {
  it("a stream of messages is inconclusive", () => {
    const two = Buffer.concat([frame(encode({ name: "a" })), frame(encode({ name: "b" }))]);
    const comparison = compare(answer(two), answer(two.subarray(0, two.length)));
    expect(comparison.outcome).toBe("match"); // the same bytes
    const differing = compare(answer(two), answer(frame(encode({ name: "a" }))));
    expect(differing.outcome).toBe("inconclusive");
    expect(differing.inconclusive).toEqual({ reason: "streaming", detail: "the primary answered 2 messages: a streaming call, not a unary one" });
  });

  it("a message cut at the capture limit is inconclusive, never a match", () => {
    const whole = frame(encode({ name: "x".repeat(100) }));
    const cut = { ...answer(whole.subarray(0, 50)), bodySize: whole.length, truncated: true };
    expect(compare(cut, answer(whole)).outcome).toBe("inconclusive");
  });
});

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}
