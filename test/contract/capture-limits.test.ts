// The collector's copy of the capture contract's limits (host/capture/capture-limits.ts) is the
// one the .proto's comments state: each limit is read from the comment on its field.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CAPTURE_LIMITS } from "../../host/capture/capture-limits.js";
import { captureProtoPath } from "../../host/capture/capture-proto.js";

/** The comment text of each field, `Message.field`: the lines just above it and the rest of its line. */
function fieldComments(proto: string): Map<string, string> {
  const comments = new Map<string, string>();
  let message = "";
  let above: string[] = [];
  for (const line of proto.split("\n")) {
    const opening = /^\s*(?:message|enum)\s+(\w+)\s*\{/.exec(line);
    if (opening) {
      message = opening[1] as string;
      above = [];
      continue;
    }
    const comment = /^\s*\/\/(.*)$/.exec(line);
    if (comment) {
      above.push(comment[1] as string);
      continue;
    }
    const field = /^\s*(?:repeated\s+)?[\w.]+\s+(\w+)\s*=\s*\d+;\s*(?:\/\/(.*))?$/.exec(line);
    if (field) comments.set(`${message}.${field[1]}`, [...above, field[2] ?? ""].join(" "));
    above = [];
  }
  return comments;
}

const comments = fieldComments(readFileSync(captureProtoPath(), "utf8"));

function stated(field: string, pattern: RegExp): number[] {
  const text = comments.get(field);
  if (text === undefined) throw new Error(`capture.proto has no field ${field}`);
  const match = pattern.exec(text);
  if (!match) throw new Error(`the comment of ${field} states no limit matching ${pattern}: ${text}`);
  return match.slice(1).map(Number);
}

const AT_MOST_BYTES = /at most (\d+)\b(?! entries)/i;

describe("capture limits", () => {
  it.each([
    ["Pair.id", CAPTURE_LIMITS.idBytes],
    ["Pair.proxy_id", CAPTURE_LIMITS.proxyIdBytes],
    ["Pair.config_version", CAPTURE_LIMITS.configVersionBytes],
    ["Pair.method", CAPTURE_LIMITS.methodBytes],
    ["Pair.authority", CAPTURE_LIMITS.authorityBytes],
    ["Header.name", CAPTURE_LIMITS.headerNameBytes],
    ["Header.value", CAPTURE_LIMITS.headerValueBytes],
    ["Response.body", CAPTURE_LIMITS.bodyBytes],
    ["Body.data", CAPTURE_LIMITS.bodyBytes],
    ["Pair.trace_id", CAPTURE_LIMITS.traceIdBytes],
  ] as const)("%s: at most %d bytes", (field, limit) => {
    expect(stated(field, AT_MOST_BYTES)).toEqual([limit]);
  });

  it("Pair.secondary_share_ppm: parts per million, at most 1000000", () => {
    expect(stated("Pair.secondary_share_ppm", /at most (\d+)/)).toEqual([CAPTURE_LIMITS.secondarySharePpm]);
  });

  it("Pair.path: the filter's max_path_bytes, at most 8192", () => {
    expect(stated("Pair.path", /max_path_bytes \(at most (\d+)\)/)).toEqual([CAPTURE_LIMITS.pathBytes]);
  });

  it.each(["Pair.request_headers", "Response.headers", "Response.trailers"])("%s: at most so many entries", (field) => {
    expect(stated(field, /at most (\d+) entries/)).toEqual([CAPTURE_LIMITS.headers]);
  });

  it("Pair.targets: 1 to 4 entries; Response.name: 1 to 32 bytes", () => {
    expect(stated("Pair.targets", /(\d+) to (\d+) entries/)).toEqual([1, CAPTURE_LIMITS.targets]);
    expect(stated("Response.name", /(\d+)\.\.(\d+) bytes/)).toEqual([1, CAPTURE_LIMITS.targetNameBytes]);
  });

  it("Response.status: from 100 to 999", () => {
    expect(stated("Response.status", /(\d+) to (\d+)/)).toEqual([CAPTURE_LIMITS.minStatus, CAPTURE_LIMITS.maxStatus]);
  });
});
