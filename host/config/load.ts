import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError, validateConfig } from "./validate.js";
import type { CollectorConfig } from "./schema.js";

/** Environment variables that override the listen addresses (e.g. set by a Kubernetes manifest). */
export const ADDRESS_OVERRIDES = {
  SHADOWDIFF_GRPC_ADDRESS: ["grpc", "address"],
  SHADOWDIFF_HTTP_ADDRESS: ["http", "address"],
} as const;

/** Parses YAML text, applies the address overrides from `env`, and validates. */
export function parseConfig(yamlText: string, env: Record<string, string | undefined>, source = "configuration"): CollectorConfig {
  const document = parseDocument(yamlText, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map((error) => `YAML: ${error.message.split("\n")[0]}`), source);
  }
  const input: unknown = document.toJS() ?? {};
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>;
    for (const [variable, [sectionName, key]] of Object.entries(ADDRESS_OVERRIDES)) {
      const value = env[variable];
      if (value === undefined || value === "") continue;
      const section = record[sectionName] ?? {};
      // A section of the wrong type is left for validation to name.
      if (typeof section !== "object" || section === null || Array.isArray(section)) continue;
      record[sectionName] = { ...section, [key]: value };
    }
  }
  return validateConfig(input, source);
}

/** Reads and validates the configuration file at `path`. */
export function loadConfigFile(path: string, env: Record<string, string | undefined>): CollectorConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as Error).message}`], path);
  }
  return parseConfig(text, env, path);
}
