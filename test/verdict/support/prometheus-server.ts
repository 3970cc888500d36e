// A real Prometheus server (Debian's package, installed by `make prometheus`) for a test: temporary
// configuration and storage, 127.0.0.1 on a port the kernel picks, a short scrape and evaluation
// interval, the given rule files loaded.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";

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
  let exited = false;
  child.once("exit", () => (exited = true));
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const forced = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(forced);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Prometheus names the port it bound in its log; it is ready once /-/ready answers 200.
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (true) {
    if (exited) throw new Error(`Prometheus exited before it was ready:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus was not ready in time:\n${output.slice(-3000)}`);
    }
    const port = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    if (port !== undefined) url = `http://127.0.0.1:${port}`;
    if (url !== undefined && (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) break;
    await sleep(100);
  }
  const base = url;

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
