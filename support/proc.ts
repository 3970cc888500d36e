// What Linux's /proc says about a process and the machine: CPU time, memory, load.
import { readFileSync } from "node:fs";

/** Linux reports utime and stime in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time the process has used so far (user + system, all threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory now, in bytes. */
export function rssBytes(pid: number): number {
  return statusKib(pid, "VmRSS") * 1024;
}

/** The most resident memory the process has had, in bytes. */
export function peakRssBytes(pid: number): number {
  return statusKib(pid, "VmHWM") * 1024;
}

/** The one-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

function statusKib(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib);
}

export interface RssWatch {
  /** The largest resident memory seen so far, in bytes. */
  peak(): number;
  stop(): void;
}

/** Reads the process' resident memory every `intervalMs` and keeps the largest reading. */
export function watchRss(pid: number, intervalMs = 200): RssWatch {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The process is gone: the readings so far stand.
    }
  }, intervalMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}
