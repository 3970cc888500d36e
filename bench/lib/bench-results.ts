import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes `json` and replaces the section between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
export function writeBenchResults(jsonPath: string, json: unknown, markdownPath: string, sectionName: string, markdown: string): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + "\n");
  const start = `<!-- ${sectionName}:start -->`;
  const end = `<!-- ${sectionName}:end -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(markdownPath) ? readFileSync(markdownPath, "utf8") : "# Benchmarks\n\nWritten by the benchmark scripts (`make bench-*`); not edited by hand.\n";
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + section + current.slice(to + end.length) : current.trimEnd() + "\n\n" + section + "\n";
  writeFileSync(markdownPath, next);
}
