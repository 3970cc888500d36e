import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import type { RouteDetail } from "./api.js";
import { cdfSeries, percentile } from "./cdf.js";
import { count, duration, times } from "./format.js";
import type { Theme } from "./hooks.js";

const HEIGHT = 260;
/** Past this spread (slowest ÷ fastest), latencies are drawn on a log scale, or the tail squeezes the rest. */
const LOG_SPREAD = 20;
const QUANTILES = [0.5, 0.9, 0.95, 0.99];

function cssColour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Both sides' latency CDFs from the collector's reservoir sample, and their percentiles. */
export function LatencyChart({ latency, theme }: { latency: RouteDetail["latency"]; theme: Theme }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = cdfSeries(latency.primary.seconds, latency.shadow.seconds);
  const fastest = data[0][0] ?? 0;
  const slowest = data[0][data[0].length - 1] ?? 0;
  const log = fastest > 0 && slowest / fastest > LOG_SPREAD;

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const text = cssColour("--text-muted");
    const grid = cssColour("--grid");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: "12px system-ui, sans-serif" };
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: HEIGHT,
      scales: { x: log ? { time: false, distr: 3, log: 10 } : { time: false }, y: { range: [0, 1] } },
      axes: [
        { ...axis, label: log ? "latency (ms, log scale)" : "latency (ms)", labelFont: "12px system-ui, sans-serif" },
        { ...axis, values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) },
      ],
      cursor: { drag: { x: false, y: false } },
      // The table under the chart names the lines and gives their percentiles.
      legend: { show: false },
      series: [
        { label: "latency" },
        { label: "primary", stroke: cssColour("--primary-line"), width: 2, ...(stepped ? { paths: stepped } : {}) },
        { label: "shadow", stroke: cssColour("--shadow-line"), width: 2, ...(stepped ? { paths: stepped } : {}) },
      ],
    };
    const chart = new uPlot(options, data, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [theme, log]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [latency]);

  const sides = [
    ["primary", latency.primary],
    ["shadow", latency.shadow],
  ] as const;
  return (
    <figure class="chart">
      <div ref={box} class="chart-box" role="img" aria-label="Cumulative latency distribution of the primary and the shadow" />
      <figcaption>
        <table class="quantiles">
          <thead>
            <tr>
              <th scope="col">side</th>
              {QUANTILES.map((q) => (
                <th scope="col" class="num" key={q}>
                  p{Math.round(q * 100)}
                </th>
              ))}
              <th scope="col" class="num">sample</th>
            </tr>
          </thead>
          <tbody>
            {sides.map(([name, side]) => (
              <tr key={name}>
                <th scope="row">
                  <span class={`swatch swatch-${name}`} aria-hidden="true" />
                  {name}
                </th>
                {QUANTILES.map((q) => (
                  <td class="num" key={q}>
                    {duration(percentile(side.seconds, q))}
                  </td>
                ))}
                <td class="num">
                  {count(side.seconds.length)} of {count(side.seen)}
                </td>
              </tr>
            ))}
            <tr>
              <th scope="row">shadow ÷ primary</th>
              {QUANTILES.map((q) => {
                const p = percentile(latency.primary.seconds, q);
                const s = percentile(latency.shadow.seconds, q);
                return (
                  <td class="num" key={q}>
                    {times(p && s !== null ? s / p : null)}
                  </td>
                );
              })}
              <td />
            </tr>
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
