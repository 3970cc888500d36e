// The descriptor sets the collector reads gRPC messages with (compare.descriptorSets): made by
// protoc (build/proto/*.pb), read once at start; a file that cannot be used stops the start with
// a message naming the key and the file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, it } from "vitest";
import { loadDescriptorSets } from "../../host/grpc/descriptor-sets.js";
import { startTestCollector } from "../../support/test-collector.js";

const KINDS_PB = fileURLToPath(new URL("../../build/proto/kinds.pb", import.meta.url));
const CATALOG_PB = fileURLToPath(new URL("../../build/proto/catalog.pb", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "shadowdiff-descriptors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const kinds = fromBinary(FileDescriptorSetSchema, readFileSync(KINDS_PB));

describe("descriptor sets", () => {
  it("reads several sets into one registry, their shared imports once", () => {
    const registry = loadDescriptorSets([KINDS_PB, CATALOG_PB]);
    expect(registry.getService("shadowdiff.test.v1.Kinds")?.methods.map((m) => m.name)).toEqual(["Echo", "Nothing"]);
    expect(registry.getService("shop.catalog.v1.Catalog")?.methods.map((m) => m.name)).toEqual(["GetProduct", "ListProducts", "RecordViews"]);
    expect(registry.getMessage("google.protobuf.Timestamp")).toBeDefined();
  });

  const withoutImports = () => toBinary(FileDescriptorSetSchema, { ...kinds, file: kinds.file.filter((f) => !f.name.startsWith("google/")) });
  const otherVersion = () => {
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(KINDS_PB));
    const own = set.file.find((f) => f.name === "kinds.proto")!;
    own.messageType.find((m) => m.name === "Item")!.field.pop();
    return toBinary(FileDescriptorSetSchema, set);
  };

  it.each<[string, () => string, RegExp]>([
    ["a file that is not there", () => join(dir, "missing.pb"), /descriptor set .*missing\.pb: ENOENT/],
    ["a folder", () => (mkdirSync(join(dir, "folder.pb"), { recursive: true }), join(dir, "folder.pb")), /descriptor set .*folder\.pb: EISDIR/],
    ["an empty file", () => file("empty.pb", ""), /descriptor set .*empty\.pb holds no \.proto file/],
    ["text", () => file("text.pb", "syntax = \"proto3\";\nmessage A {}\n"), /descriptor set .*text\.pb is not a FileDescriptorSet \(protoc --descriptor_set_out, buf build -o\)/],
    ["random bytes", () => file("random.pb", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), /descriptor set .*random\.pb is not a FileDescriptorSet/],
    ["a set without its imports", () => file("no-imports.pb", withoutImports()), /descriptor sets .*no-imports\.pb: .*google\/protobuf\/.*\(build each with --include_imports\)/],
    ["a file larger than 64 MiB", () => (truncateSync(file("huge.pb", ""), 64 * 1024 * 1024 + 1), join(dir, "huge.pb")), /descriptor set .*huge\.pb: it holds 67108865 bytes, more than 67108864/],
  ])("refuses %s, naming it", (_name, make, message) => {
    const path = make();
    expect(() => loadDescriptorSets([path])).toThrow(message);
  });

  it("refuses two sets that hold one file differently", () => {
    const other = file("other-kinds.pb", otherVersion());
    expect(() => loadDescriptorSets([KINDS_PB, other])).toThrow(/descriptor sets .*kinds\.pb and .*other-kinds\.pb both hold kinds\.proto, differently: give one version of it/);
  });

  it("stops the collector's start, naming the key and the file", async () => {
    const refused = await startTestCollector({ compare: { descriptorSets: [KINDS_PB, join(dir, "nope.pb")] } }).then(
      async (collector) => {
        await collector.cleanup();
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/config key "compare\.descriptorSets": descriptor set .*nope\.pb: ENOENT/);
  });
});
