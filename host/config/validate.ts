import type { z } from "zod";
import { collectorConfigSchema, type CollectorConfig } from "./schema.js";

/** A configuration that cannot be used; the message names every bad key and its rule. */
export class ConfigError extends Error {
  constructor(readonly problems: string[], source = "configuration") {
    super(`invalid ${source}:\n  ${problems.join("\n  ")}`);
  }
}

function keyName(path: readonly PropertyKey[]): string {
  let name = "";
  for (const part of path) {
    if (typeof part === "number") name += `[${part}]`;
    else name += (name === "" ? "" : ".") + String(part);
  }
  return name;
}

/** One line per problem: `config key "grpc.adress" is unknown`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push(`config key "${keyName([...issue.path, key])}" is unknown`);
    } else if (issue.path.length === 0) {
      problems.push(`the configuration ${issue.message}`);
    } else {
      problems.push(`config key "${keyName(issue.path)}" ${issue.message}`);
    }
  }
  return problems;
}

/** Validates a configuration object (as read from YAML), filling in defaults. */
export function validateConfig(input: unknown, source?: string): CollectorConfig {
  const result = collectorConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues), source);
  return result.data;
}
