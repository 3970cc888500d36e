// The single list of metric names shadowdiff exports (istio/prometheus/exported-metrics.yaml).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ISTIO_DIR } from "./manifests.js";

export type MetricType = "counter" | "gauge" | "histogram";

export interface FilterMetric {
  /** As Prometheus sees it at Envoy's /stats/prometheus. */
  name: string;
  /** As the filter defines it (proxy_define_metric). */
  envoy: string;
  type: MetricType;
}

export interface CollectorMetric {
  name: string;
  type: MetricType;
  labels: string[];
}

export interface ExportedMetrics {
  filter: FilterMetric[];
  collector: CollectorMetric[];
}

export function exportedMetrics(): ExportedMetrics {
  return parse(readFileSync(join(ISTIO_DIR, "prometheus", "exported-metrics.yaml"), "utf8")) as ExportedMetrics;
}

/** Every series name a query may select: histograms add _bucket, _sum and _count. */
export function selectableNames(metrics: ExportedMetrics = exportedMetrics()): Set<string> {
  const names = new Set<string>();
  for (const metric of [...metrics.filter, ...metrics.collector]) {
    if (metric.type === "histogram") {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(metric.name + suffix);
    } else {
      names.add(metric.name);
    }
  }
  return names;
}
