import { BlockList } from "node:net";
import { z } from "zod";
import { parseJsonPath } from "../json-path/syntax.js";
import { DEFAULT_NOISE_SETTINGS } from "../judge/field-class.js";
import { URL_TEMPLATE_RULE, isTraceUrlTemplate } from "../traces/trace-links.js";

// The collector's YAML configuration. Every key is optional (defaults below); unknown keys and
// wrong types are refused, and each rule's message is written to follow `config key "x.y"`.

const integer = (min: number, max: number) => {
  const rule = `must be an integer from ${min} to ${max}`;
  return z.number({ error: rule }).int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
};

const text = (rule = "must be a non-empty string") => z.string({ error: rule }).min(1, { error: rule });

const ADDRESS_RULE = "must be host:port with a port from 0 to 65535 (e.g. 127.0.0.1:9000 or [::]:9000)";
export const address = text(ADDRESS_RULE).refine((value) => parseAddress(value) !== null, { error: ADDRESS_RULE });

/** Splits `host:port` (IPv6 hosts in brackets); null when malformed. */
export function parseAddress(value: string): { host: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(value);
  if (!match) return null;
  const port = Number(match[2]);
  if (port > 65535) return null;
  const host = (match[1] as string).replace(/^\[(.*)\]$/, "$1");
  return { host, port };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** True when only this machine can reach `host` (a parsed address's host). */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  try {
    return LOOPBACK.check(host, host.includes(":") ? "ipv6" : "ipv4");
  } catch {
    // A host name: it may resolve to anything.
    return false;
  }
}

/** Paths of the HTTP port that scrapers and probes read; they may be served without the token. */
export const PROBE_PATHS = ["/metrics", "/healthz", "/readyz"] as const;

const list = <T extends z.ZodType>(item: T, rule: string) => z.array(item, { error: rule }).prefault([]);

const jsonPath = z.string({ error: "must be a string" }).superRefine((value, context) => {
  const parsed = parseJsonPath(value);
  if (typeof parsed === "string") context.addIssue({ code: "custom", message: parsed });
});

const MAPPING = { error: "must be a mapping" };
const MAX_DESCRIPTOR_SETS = 64;

const SHARE_RULE = "must be a share from 0 to 1";
const share = z.number({ error: SHARE_RULE }).min(0, { error: SHARE_RULE }).max(1, { error: SHARE_RULE });

export const collectorConfigSchema = z.strictObject(
  {
    grpc: z.strictObject({
      address: address.default("127.0.0.1:9000"),
      maxMessageBytes: integer(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
      maxQueuedPairs: integer(1, 1_000_000).default(10_000),
      tokenFile: text("must be the path of a file holding the intake token").optional(),
      allowUnauthenticated: z.boolean({ error: "must be true or false" }).default(false),
    }, MAPPING).prefault({}),
    http: z.strictObject({
      address: address.default("127.0.0.1:9464"),
      tokenFile: text("must be the path of a file holding the HTTP token").optional(),
      allowUnauthenticated: z.boolean({ error: "must be true or false" }).default(false),
      openPaths: z
        .array(z.enum(PROBE_PATHS, { error: `must name ${PROBE_PATHS.join(", ")} only` }), { error: "must be a list of paths" })
        .refine((paths) => new Set(paths).size === paths.length, { error: "names a path twice" })
        .default([...PROBE_PATHS]),
    }, MAPPING).prefault({}),
    compare: z.strictObject({
      headers: list(text("must be a header name").transform((name) => name.toLowerCase()), "must be a list of header names").default(["content-type"]),
      ignorePaths: list(jsonPath, "must be a list of paths"),
      unorderedArrays: list(jsonPath, "must be a list of paths"),
      numericTolerance: z
        .number({ error: "must be a number of at least 0" })
        .min(0, { error: "must be a number of at least 0" })
        .refine(Number.isFinite, { error: "must be a number of at least 0" })
        .default(0),
      // gRPC calls: trailers compared like headers (grpc-status is compared as a status), and the
      // descriptor sets (protoc --descriptor_set_out --include_imports, buf build -o) their messages are read with.
      trailers: list(text("must be a trailer name").transform((name) => name.toLowerCase()), "must be a list of trailer names"),
      descriptorSets: list(text("must be the path of a descriptor set file"), "must be a list of descriptor set files")
        .refine((paths) => paths.length <= MAX_DESCRIPTOR_SETS, { error: `must list at most ${MAX_DESCRIPTOR_SETS} files` }),
    }, MAPPING).prefault({}),
    routes: z.strictObject({
      templates: list(text("must be a path template starting with /").startsWith("/", { error: "must be a path template starting with /" }), "must be a list of path templates"),
      maxRoutes: integer(1, 10_000).default(100),
    }, MAPPING).prefault({}),
    noise: z.strictObject({
      minNoiseRate: share.default(DEFAULT_NOISE_SETTINGS.minNoiseRate),
      relativeMargin: z
        .number({ error: "must be a number from 0 to 10" })
        .min(0, { error: "must be a number from 0 to 10" })
        .max(10, { error: "must be a number from 0 to 10" })
        .default(DEFAULT_NOISE_SETTINGS.relativeMargin),
      absoluteMargin: share.default(DEFAULT_NOISE_SETTINGS.absoluteMargin),
    }, MAPPING).prefault({}),
    examples: z.strictObject({
      path: text("must be a file path or :memory:").default("shadowdiff.db"),
      maxCount: integer(0, 1_000_000).default(1000),
      maxAgeHours: z
        .number({ error: "must be a number of hours from 0.001 to 87600" })
        .min(0.001, { error: "must be a number of hours from 0.001 to 87600" })
        .max(87_600, { error: "must be a number of hours from 0.001 to 87600" })
        .default(168),
      maxBytes: integer(1024 * 1024, 64 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
      redactBodyPaths: list(jsonPath, "must be a list of paths"),
    }, MAPPING).prefault({}),
    traces: z.strictObject({
      urlTemplate: z.string({ error: URL_TEMPLATE_RULE }).refine(isTraceUrlTemplate, { error: URL_TEMPLATE_RULE }).optional(),
    }, MAPPING).prefault({}),
  },
  MAPPING,
).superRefine((config, context) => {
  for (const [section, guarded, what] of [
    ["grpc", "Istio's mutual TLS and an AuthorizationPolicy that admits the filter only", "report pairs, and so write the verdict"],
    ["http", "Istio's AuthorizationPolicy", "read the stored examples (request paths, response bodies)"],
  ] as const) {
    const { address: listen, tokenFile, allowUnauthenticated } = config[section];
    if (tokenFile !== undefined && allowUnauthenticated) {
      context.addIssue({
        code: "custom",
        path: [section, "allowUnauthenticated"],
        message: `is true, but ${section}.tokenFile is set and its token is checked: leave one of them out`,
      });
    }
    const host = parseAddress(listen)?.host;
    if (tokenFile === undefined && !allowUnauthenticated && host !== undefined && !isLoopback(host)) {
      context.addIssue({
        code: "custom",
        path: [section, "address"],
        message:
          `is ${listen}, which other machines can reach, and no ${section}.tokenFile is set: anyone who reaches it could ${what}. ` +
          `Set ${section}.tokenFile, or ${section}.allowUnauthenticated: true where something else guards it (${guarded})`,
      });
    }
  }
});

/** The configuration as written (every key optional). */
export type CollectorConfigInput = z.input<typeof collectorConfigSchema>;
/** The configuration with defaults filled in. */
export type CollectorConfig = z.output<typeof collectorConfigSchema>;
