// A real Prometheus server (Debian's package, installed by `make prometheus`) for a test: temporary
// configuration and storage, 127.0.0.1 on a port the kernel picks, a short scrape and evaluation
// interval, the given rule files loaded.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { terminate } from "../../../support/child-process.js";
import { eventually } from "../../../support/eventually.js";

export const PROMETHEUS = process.env.PROMETHEUS ?? "prometheus";

export interface PrometheusOptions {
  /** host:port targets, scraped at /metrics. */
  targets: string[];
  ruleFiles: string[];
  intervalSeconds?: number;
}

export interface PrometheusServer {
  url: string;
  /** What Prometheus logged so far, for a failing test to show. */
  log(): string;
  /** An instant query; the result vector as Prometheus gives it. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  close(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "shadowdiff-prometheus-"));
  const interval = `${options.intervalSeconds ?? 1}s`;
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles,
      scrape_configs: [{ job_name: "shadowdiff-collector", static_configs: [{ targets: options.targets }] }],
    }),
  );
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      "--web.listen-address=127.0.0.1:0",
      "--log.level=info",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new AbortController();
  child.once("exit", () => exited.abort());
  const stop = async (): Promise<void> => {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
  };

  // Prometheus names the port it bound in its log; it is ready once /-/ready answers 200.
  let base: string;
  try {
    base = await eventually(
      async () => {
        const port = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(output)?.[1];
        if (port === undefined) throw new Error("Prometheus has not said where it listens");
        const url = `http://127.0.0.1:${port}`;
        if (!(await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) throw new Error("Prometheus is not ready");
        return url;
      },
      { timeoutMs: 60_000, intervalMs: 100, signal: exited.signal },
    );
  } catch {
    if (exited.signal.aborted) throw new Error(`Prometheus exited before it was ready:\n${output.slice(-3000)}`);
    await stop();
    throw new Error(`Prometheus was not ready in time:\n${output.slice(-3000)}`);
  }

  return {
    url: base,
    log: () => output,
    async query(expr) {
      const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== "success") throw new Error(`Prometheus refused ${expr}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    close: stop,
  };
}
