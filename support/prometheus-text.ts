// Reading values out of a Prometheus text exposition (the collector's /metrics, Envoy's /stats/prometheus).

interface Sample {
  labels: Map<string, string>;
  value: number;
}

function samplesOf(exposition: string, metric: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of exposition.split("\n")) {
    // Label values may hold braces themselves (route="/users/{id}"): only quotes delimit them.
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== metric) continue;
    samples.push({ labels: parseLabels(match[2] ?? ""), value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample of `metric` whose labels include all of `labels`. */
export function sampleSum(exposition: string, metric: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of samplesOf(exposition, metric)) if (includes(sample.labels, labels)) sum += sample.value;
  return sum;
}

/** The value of the one sample of `metric` whose labels are exactly `labels`, or undefined. */
export function sample(exposition: string, metric: string, labels: Record<string, string> = {}): number | undefined {
  return samplesOf(exposition, metric).find((s) => s.labels.size === Object.keys(labels).length && includes(s.labels, labels))?.value;
}

function includes(present: Map<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([name, value]) => present.get(name) === value);
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels.set(match[1]!, match[2]!.replace(/\\(.)/g, "$1"));
  }
  return labels;
}
