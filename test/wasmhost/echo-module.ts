// Loads the host's own test module (fixtures/echo.as) and reads what it logged.
import { expect } from "vitest";
import { compileFixture } from "./fixtures/compile-fixture.js";
import { ProxyWasmHost, type LoadOptions } from "./host.js";
import type { HeaderPair } from "./pairs.js";

export const CLUSTERS = ["shadow", "collector"];

/** A started echo module (plugin configuration "echo-config"). */
export async function startEcho(options: LoadOptions = {}): Promise<ProxyWasmHost> {
  const host = await ProxyWasmHost.load(await compileFixture("echo"), { clusters: CLUSTERS, ...options });
  expect(host.start("echo-config")).toBe(true);
  return host;
}

/** The last log line starting with `prefix`, parsed into its key=value fields. */
export function lastLog(host: ProxyWasmHost, prefix: string): Record<string, string> {
  const entry = [...host.logs].reverse().find((candidate) => candidate.message.startsWith(prefix));
  if (!entry) throw new Error(`no log line starts with "${prefix}"; logs:\n${host.logs.map((l) => l.message).join("\n")}`);
  const fields: Record<string, string> = {};
  for (const match of entry.message.matchAll(/(\w+)=(\S*)/g)) fields[match[1] ?? ""] = match[2] ?? "";
  return fields;
}

export function messages(host: ProxyWasmHost): string[] {
  return host.logs.map((entry) => entry.message);
}

export function get(path: string, extra: HeaderPair[] = []): HeaderPair[] {
  return [[":method", "GET"], [":path", path], [":authority", "api.example"], ...extra];
}
