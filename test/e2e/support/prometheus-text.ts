// Reading values out of a Prometheus text exposition (the collector's /metrics, Envoy's /stats/prometheus).

/** The sum of every sample of `metric` whose labels include all of `labels`. */
export function sampleSum(exposition: string, metric: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of exposition.split("\n")) {
    // Label values may hold braces themselves (route="/users/{id}"): only quotes delimit them.
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== metric) continue;
    const present = parseLabels(match[2] ?? "");
    if (Object.entries(labels).every(([name, value]) => present.get(name) === value)) sum += Number(match[3]);
  }
  return sum;
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels.set(match[1]!, match[2]!.replace(/\\(.)/g, "$1"));
  }
  return labels;
}
