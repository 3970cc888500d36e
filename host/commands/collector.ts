import { parseArgs } from "node:util";
import { startCollector } from "../collector.js";
import { ConfigError } from "../config/validate.js";
import { loadConfigFile, parseConfig } from "../config/load.js";
import { MismatchStoreError } from "../mismatches/mismatch-store.js";
import { createLogger, isLogLevel } from "../log.js";

export const USAGE = `usage: shadowdiff collector [--config FILE]
Runs the collector: gRPC intake of the filter's pairs (shadowdiff.v1.Collector/Report), comparison,
Prometheus metrics and /api/* on HTTP, /healthz and /readyz. Every key of the YAML config file is
optional (README: Collector → Configuration). Environment: SHADOWDIFF_GRPC_ADDRESS and
SHADOWDIFF_HTTP_ADDRESS override the listen addresses; SHADOWDIFF_LOG_LEVEL is debug, info
(default), warn or error. SIGTERM stops intake, compares what was accepted, then exits.
`;

/**
 * `shadowdiff collector --config FILE`: the process entry point, and so the one place that reads
 * the environment (SHADOWDIFF_GRPC_ADDRESS, SHADOWDIFF_HTTP_ADDRESS, SHADOWDIFF_LOG_LEVEL).
 */
export async function run(args: string[]): Promise<number> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({ args, options: { config: { type: "string" } }, strict: true });
    configPath = values.config;
  } catch (error) {
    process.stderr.write(`shadowdiff collector: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const level = process.env.SHADOWDIFF_LOG_LEVEL ?? "info";
  if (!isLogLevel(level)) {
    process.stderr.write(`shadowdiff collector: SHADOWDIFF_LOG_LEVEL must be one of debug, info, warn, error\n`);
    return 2;
  }
  // A closed stdout (the reader went away) must not take the collector down with EPIPE.
  process.stdout.on("error", () => {});
  const log = createLogger((line) => process.stdout.write(line), level);

  let collector;
  try {
    const config = configPath === undefined ? parseConfig("", process.env) : loadConfigFile(configPath, process.env);
    collector = await startCollector(config, { log });
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof MismatchStoreError || (error as Error).message.includes("cannot be bound"))) throw error;
    log.error("collector failed to start", { error: (error as Error).message });
    process.stderr.write(`shadowdiff collector: ${(error as Error).message}\n`);
    return 1;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info("signal received", { signal });
      collector.close().then(resolve, (error: unknown) => {
        log.error("shutdown failed", { error });
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}
