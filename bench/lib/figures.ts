// What both Envoy benchmarks do with their measurements: medians of interleaved rounds, rounding
// for the files, goals the script itself judges as met or not, and the machine they ran on.
import { cpus } from "node:os";
import { loadAverage } from "../../support/proc.js";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

/** The goals as a Markdown table. */
export function goalRows(goals: Goal[]): string[] {
  return ["| goal | measured | met |", "| --- | --- | --- |", ...goals.map((goal) => `| ${goal.goal} | ${goal.measured} | ${goal.met ? "met" : "**not met**"} |`)];
}

/** The goals as the console shows them at the end of a run. */
export function goalLines(goals: Goal[]): string {
  return goals.map((goal) => `${goal.met ? "met    " : "NOT MET"}  ${goal.goal}: ${goal.measured}`).join("\n");
}

export interface Machine {
  cpus: number;
  model: string;
  /** One-minute load averages: how busy the machine was with other work while the figures were taken. */
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
}

/** The machine a run measured on; `loadAverageAtStart` read when the run began. */
export function machine(loadAverageAtStart: number): Machine {
  return { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", loadAverageAtStart, loadAverageAtEnd: loadAverage() };
}

export function describeMachine(m: Machine): string {
  return `Machine: ${m.cpus} × ${m.model}, one-minute load average ${m.loadAverageAtStart} at the start and ${m.loadAverageAtEnd} at the end`;
}
