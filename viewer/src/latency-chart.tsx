import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import type { LatencySample } from "../../host/summary/summary.js";
import { cdfSeries, percentile } from "./cdf.js";
import { count, duration, times } from "./format.js";
import type { Theme } from "./hooks.js";

const HEIGHT = 260;
/** Past this spread (slowest ÷ fastest), latencies are drawn on a log scale, or the tail squeezes the rest. */
const LOG_SPREAD = 20;
const QUANTILES = [0.5, 0.9, 0.95, 0.99];

/** One side of the chart: its name, its colour (a CSS variable's stem) and the collector's reservoir sample. */
export interface ChartSide {
  name: string;
  colour: "primary" | "secondary" | "shadow";
  sample: LatencySample;
}

/** A row of percentile ratios under the chart: side `of` over side `over` (indices into the sides). */
export interface ChartRatio {
  of: number;
  over: number;
}

function cssColour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Each side's latency CDF from the collector's reservoir sample, their percentiles and the ratios asked for. */
export function LatencyChart({ sides, ratios, theme }: { sides: ChartSide[]; ratios: ChartRatio[]; theme: Theme }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = cdfSeries(...sides.map((side) => side.sample.seconds));
  const fastest = data[0][0] ?? 0;
  const slowest = data[0][data[0].length - 1] ?? 0;
  const log = fastest > 0 && slowest / fastest > LOG_SPREAD;
  const shape = sides.map((side) => `${side.name}\u0000${side.colour}`).join("\u0001");

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
        ...sides.map((side) => ({
          label: side.name,
          stroke: cssColour(`--${side.colour}-line`),
          width: 2,
          ...(side.colour === "secondary" ? { dash: [6, 4] } : {}),
          ...(stepped ? { paths: stepped } : {}),
        })),
      ],
    };
    const chart = new uPlot(options, data as uPlot.AlignedData, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [theme, log, shape]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [sides]);

  const names = sides.map((side) => side.name);
  const label = `Cumulative latency distribution of ${names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0]}`;
  return (
    <figure class="chart">
      <div ref={box} class="chart-box" role="img" aria-label={label} />
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
            {sides.map((side) => (
              <tr key={side.name} data-side={side.colour}>
                <th scope="row">
                  <span class={`swatch swatch-${side.colour}`} aria-hidden="true" />
                  {side.name}
                </th>
                {QUANTILES.map((q) => (
                  <td class="num" key={q}>
                    {duration(percentile(side.sample.seconds, q))}
                  </td>
                ))}
                <td class="num">
                  {count(side.sample.seconds.length)} of {count(side.sample.seen)}
                </td>
              </tr>
            ))}
            {ratios.map(({ of, over }) => {
              const top = sides[of];
              const bottom = sides[over];
              if (top === undefined || bottom === undefined) return null;
              return (
                <tr key={`${of}/${over}`} class="ratio-row">
                  <th scope="row">
                    {top.name} ÷ {bottom.name}
                  </th>
                  {QUANTILES.map((q) => {
                    const b = percentile(bottom.sample.seconds, q);
                    const t = percentile(top.sample.seconds, q);
                    return (
                      <td class="num" key={q}>
                        {times(b && t !== null ? t / b : null)}
                      </td>
                    );
                  })}
                  <td />
                </tr>
              );
            })}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
