import { Registry } from "prom-client";
import { Comparator } from "./compare/comparator.js";
import { RouteLabeler } from "./routes/route-labels.js";
import { parseAddress } from "./config/schema.js";
import type { CollectorConfig, CollectorConfigInput } from "./config/schema.js";
import { ConfigError, validateConfig } from "./config/validate.js";
import { loadDescriptorSets } from "./grpc/descriptor-sets.js";
import { GrpcMessages } from "./grpc/grpc-messages.js";
import { ALWAYS_REDACTED_BODY_PATHS, BodyRedactor } from "./mismatches/body-redaction.js";
import { MismatchStore } from "./mismatches/mismatch-store.js";
import { startHttpServer, type HttpServer } from "./http/http-server.js";
import { loadPageAssets } from "./http/page-assets.js";
import { startIntakeServer, type IntakeServer } from "./intake/grpc-server.js";
import { IntakeToken, readTokenFile } from "./intake/intake-token.js";
import { BearerToken } from "./auth/bearer-token.js";
import { PairQueue } from "./intake/pair-queue.js";
import { createLogger, type Logger } from "./log.js";
import { createCollectorMetrics } from "./metrics/collector-metrics.js";
import { FieldLabeler } from "./metrics/field-labels.js";
import { TargetLabeler } from "./metrics/target-labels.js";
import { DEFAULT_NOISE_LIMITS, NoiseBook } from "./noise/noise-model.js";
import { CollectorEvidence } from "./judge/collector-evidence.js";
import { FIELDS_PER_ROUTE, lineBudget } from "./judge/error-budget.js";
import { DEFAULT_THRESHOLDS } from "./judge/line-judgement.js";
import { pageAssetsPath } from "./package-files.js";
import { createPairProcessor } from "./pipeline/pair-processor.js";
import { SummaryBook } from "./summary/summary.js";

export type { CollectorConfig, CollectorConfigInput };

export interface RunningCollector {
  grpcPort: number;
  httpPort: number;
  /** Stops intake, compares every pair already accepted, then closes HTTP and the database. */
  close(): Promise<void>;
}

export interface CollectorOptions {
  /** Where log lines go; JSON lines on stdout by default. */
  log?: Logger;
  /** The page's files; dist/page in the package by default. */
  pageDir?: string;
}

/** Distinct `field` label values on shadowdiff_mismatch_fields_total. */
const MAX_FIELD_LABELS = 200;
/** Distinct `target` label values (a pair has 1 to 4; configurations change over time). */
const MAX_TARGET_LABELS = 16;
/** Body bytes the queue may hold, in maximum-size messages. */
const QUEUE_MESSAGES = 16;
/**
 * Event-loop time one comparison slice may take. Short, because intake waits on it: HTTP/2 flow
 * control lets a client send only 64 KiB of a batch before the server reads it, between slices.
 */
const SLICE_MILLIS = 2;

/** The gRPC messages of compare.descriptorSets; a file that cannot be used stops the start, named. */
function readDescriptorSets(paths: readonly string[]): GrpcMessages {
  if (paths.length === 0) return new GrpcMessages(null);
  try {
    return new GrpcMessages(loadDescriptorSets(paths), paths);
  } catch (error) {
    throw new ConfigError([`config key "compare.descriptorSets": ${(error as Error).message}`]);
  }
}

/**
 * Starts a collector: the composition root that wires configuration, the metrics registry, the
 * mismatch database, the comparison pipeline and both servers. `config` is validated here (the
 * YAML shape, every key optional), so a bad value throws a ConfigError naming the key.
 */
export async function startCollector(config: CollectorConfigInput | CollectorConfig, options: CollectorOptions = {}): Promise<RunningCollector> {
  const settings = validateConfig(config);
  const log = options.log ?? createLogger((line) => process.stdout.write(line));
  const grpcMessages = readDescriptorSets(settings.compare.descriptorSets);
  const tokenFile = settings.grpc.tokenFile;
  const token = tokenFile === undefined ? undefined : new IntakeToken(readTokenFile(tokenFile));
  const httpTokenFile = settings.http.tokenFile;
  const httpToken = httpTokenFile === undefined ? undefined : new BearerToken(readTokenFile(httpTokenFile, 'config key "http.tokenFile"'));
  const registry = new Registry();
  const noise = new NoiseBook(
    settings.noise,
    // One more route than the cap: the `other` route.
    { ...DEFAULT_NOISE_LIMITS, maxRoutes: settings.routes.maxRoutes + 1, maxTargets: MAX_TARGET_LABELS, maxFields: FIELDS_PER_ROUTE },
  );
  /** The fields' error rate when pairs arrive: the judge's at its default confidence, over the lines seen so far. */
  const fieldAlpha = (): number => lineBudget(DEFAULT_THRESHOLDS.confidence, summary.lineCount, true).fieldPerSide;
  const summary: SummaryBook = new SummaryBook((route) => noise.report(route, fieldAlpha()));
  const evidence = new CollectorEvidence(summary, noise);
  const metrics = createCollectorMetrics(registry, {
    proxies: () => summary.proxies(),
    noise: () => noiseGauges(noise, fieldAlpha()),
    judge: () => evidence.samples(),
  });
  const mismatches = new MismatchStore(settings.examples.path, settings.examples, { log });
  let ready = false;
  let closing = false;

  const redactBodyPaths = [...ALWAYS_REDACTED_BODY_PATHS, ...settings.examples.redactBodyPaths];
  const processPair = createPairProcessor({
    comparator: new Comparator({ ...settings.compare, redactPaths: redactBodyPaths, grpcMessages }),
    routes: new RouteLabeler(settings.routes.templates, settings.routes.maxRoutes),
    fields: new FieldLabeler(MAX_FIELD_LABELS),
    targets: new TargetLabeler(MAX_TARGET_LABELS),
    noise,
    fieldAlpha,
    metrics,
    summary,
    mismatches,
    bodies: new BodyRedactor(settings.examples.redactBodyPaths, grpcMessages),
    log,
  });
  const queue = new PairQueue(
    { maxPairs: settings.grpc.maxQueuedPairs, maxBytes: settings.grpc.maxMessageBytes * QUEUE_MESSAGES, sliceMillis: SLICE_MILLIS },
    processPair,
    (pair, error) => log.error("pair comparison failed", { pairId: pair.id, path: pair.path, error }),
    (depth) => metrics.queueDepth.set(depth),
    (work) => {
      try {
        mismatches.batch(work);
      } catch (error) {
        log.error("mismatch examples could not be saved", { error });
      }
    },
  );

  let intake: IntakeServer | undefined;
  let http: HttpServer | undefined;
  try {
    intake = await startIntakeServer(settings.grpc.address, {
      queue,
      metrics,
      log,
      maxMessageBytes: settings.grpc.maxMessageBytes,
      ...(token === undefined ? {} : { token }),
      closing: () => closing,
    });
    const httpAddress = parseAddress(settings.http.address) as { host: string; port: number };
    const page = loadPageAssets(options.pageDir ?? pageAssetsPath());
    if (!page.ok) log.warn("no page to serve at /", { problem: page.problem });
    http = await startHttpServer(httpAddress.host, httpAddress.port, {
      registry,
      summary,
      evidence,
      noiseSettings: settings.noise,
      routeNoise: (route) => noise.report(route, fieldAlpha()),
      mismatches,
      log,
      ready: () => ready,
      page,
      ...(httpToken === undefined ? {} : { token: httpToken }),
      openPaths: new Set(settings.http.openPaths),
      intake: { authenticated: token !== undefined },
      traceUrlTemplate: settings.traces.urlTemplate,
    });
  } catch (error) {
    await intake?.close();
    mismatches.close();
    throw error;
  }
  ready = true;
  const grpcPort = intake.port;
  const httpPort = http.port;
  log.info("collector listening", {
    grpcPort,
    httpPort,
    grpcAddress: settings.grpc.address,
    httpAddress: settings.http.address,
    examplesPath: settings.examples.path,
    // Where the token comes from, never the token.
    intakeAuth: tokenFile === undefined ? "none" : `token from ${tokenFile}`,
    httpAuth: httpTokenFile === undefined ? "none" : `token from ${httpTokenFile}`,
  });
  // Said on every start: an open port is a choice to be seen in the log, not a silent default.
  if (settings.grpc.allowUnauthenticated) {
    log.warn("intake not authenticated", {
      grpcAddress: settings.grpc.address,
      detail: "grpc.allowUnauthenticated is true: the collector takes reports from anyone who reaches the port, under any proxy id; only the network guards it",
    });
  }
  if (settings.http.allowUnauthenticated) {
    log.warn("http port not authenticated", {
      httpAddress: settings.http.address,
      detail: "http.allowUnauthenticated is true: /api/* serves stored examples to anyone who reaches the port; only the network guards it",
    });
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      ready = false;
      closing = true;
      log.info("collector stopping", { queued: queue.depth });
      await (intake as IntakeServer).close();
      await queue.drained();
      await (http as HttpServer).close();
      mismatches.close();
      log.info("collector stopped", {});
    })();
    return closed;
  };
  return { grpcPort, httpPort, close };
}

/** Per route: the secondary's sample and share, and v1's own rate of differing on each field it has differed on. */
function noiseGauges(noise: NoiseBook, fieldAlpha: number) {
  return noise.routeNames().map((route) => {
    const report = noise.report(route, fieldAlpha);
    const rates = new Map<string, number>();
    for (const field of report.fields) if (field.noise > 0) rates.set(field.field, Math.max(rates.get(field.field) ?? 0, field.noiseRate));
    return { route, secondaryPairs: report.secondaryPairs, secondaryShare: report.secondaryShare, fieldRates: [...rates].map(([field, noiseRate]) => ({ field, noiseRate })) };
  });
}
