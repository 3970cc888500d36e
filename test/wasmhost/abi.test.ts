// The module and the host must mean the same thing by each number that crosses the boundary: the
// enums of assembly/abi/types.ts (read from its source) and the tables of abi.ts, name by name.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as abi from "./abi.js";

type Tables = Record<string, Record<string, number>>;

const TYPES_TS = fileURLToPath(new URL("../../assembly/abi/types.ts", import.meta.url));

/** Every exported enum of an AssemblyScript source, each member with its literal value. */
function enumTables(fileName: string, source: string): Tables {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022);
  const tables: Tables = {};
  for (const statement of file.statements) {
    if (!ts.isEnumDeclaration(statement)) continue;
    const table: Record<string, number> = {};
    for (const member of statement.members) {
      const name = member.name.getText(file);
      const value = member.initializer;
      if (!value || !ts.isNumericLiteral(value)) {
        throw new Error(`${fileName}: ${statement.name.text}.${name} needs a literal number, as the spec gives it`);
      }
      table[name] = Number(value.text);
    }
    tables[statement.name.text] = table;
  }
  return tables;
}

/** The host's tables: abi.ts's exported objects of numbers. */
function hostTables(): Tables {
  const tables: Tables = {};
  for (const [name, value] of Object.entries(abi)) {
    if (typeof value !== "object" || Array.isArray(value)) continue;
    tables[name] = { ...(value as Record<string, number>) };
  }
  return tables;
}

describe("ABI tables", () => {
  const moduleTables = enumTables(TYPES_TS, readFileSync(TYPES_TS, "utf8"));

  it("are the same in assembly/abi/types.ts and test/wasmhost/abi.ts, name by name and number by number", () => {
    expect(Object.keys(moduleTables)).toContain("MapType");
    expect(moduleTables).toEqual(hostTables());
  });

  it("use the names the Rust SDK and Envoy use", () => {
    expect(moduleTables["MapType"]?.["GrpcReceiveInitialMetadata"]).toBe(4);
    expect(moduleTables["BufferType"]?.["GrpcReceiveBuffer"]).toBe(5);
    expect(moduleTables["Status"]?.["BrokenConnection"]).toBe(11);
  });

  it("notice a member that differs, one missing, and a value that is not a literal", () => {
    const source = readFileSync(TYPES_TS, "utf8");
    const renamed = enumTables("types.ts", source.replace("GrpcReceiveInitialMetadata = 4", "GrpcCallInitialMetadata = 4"));
    expect(renamed).not.toEqual(hostTables());
    const renumbered = enumTables("types.ts", source.replace("Histogram = 2", "Histogram = 3"));
    expect(renumbered).not.toEqual(hostTables());
    const dropped = enumTables("types.ts", source.replace(/export enum WasiClock \{[^}]*\}/, ""));
    expect(dropped).not.toEqual(hostTables());
    expect(() => enumTables("types.ts", "export enum Action { Continue = 0, Pause }")).toThrow(
      "types.ts: Action.Pause needs a literal number, as the spec gives it",
    );
  });
});
