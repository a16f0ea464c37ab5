import { useEffect, useRef } from 'react';
// uPlot, not ECharts or Recharts: it draws on one canvas (no DOM node per point), stays smooth
// with ~10k points per series, and is ~50 KB, so the console loads fast and charts don't jank
// on auto-refresh. This wrapper is the only place that touches its API.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: readonly (number | null)[];
}

export interface TimeChartProps {
  title: string;
  /** Bucket starts, epoch ms. */
  timestamps: readonly number[];
  series: readonly ChartSeries[];
  /** Reserved up front so the page doesn't jump when data arrives. */
  height?: number;
  formatValue?: (v: number) => string;
}

function fewValues(u: uPlot, seriesIdx: number, idx0: number, idx1: number): boolean {
  const values = u.data[seriesIdx] ?? [];
  let n = 0;
  for (let i = idx0; i <= idx1; i++) if (values[i] !== null && values[i] !== undefined) n++;
  return n <= 30;
}

export function TimeChart({
  title,
  timestamps,
  series,
  height = 200,
  formatValue,
}: TimeChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const fmtRef = useRef(formatValue);
  fmtRef.current = formatValue;
  const shape = series.map((s) => `${s.label}:${s.color}`).join('|');
  const empty = timestamps.length === 0;

  const data: uPlot.AlignedData = [
    timestamps.map((t) => t / 1000),
    ...series.map((s) => s.values.map((v) => (v === null || Number.isFinite(v) ? v : null))),
  ];
  const dataRef = useRef(data);
  dataRef.current = data;

  // (Re)build the plot when the set of series changes; data changes go through setData.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` stands for `series`
  useEffect(() => {
    const host = hostRef.current;
    if (!host || empty) return;
    const fmt = (v: number | null) =>
      v === null ? '–' : fmtRef.current ? fmtRef.current(v) : String(v);
    const opts: uPlot.Options = {
      width: Math.max(host.clientWidth, 200),
      height: height - 64,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#444' },
        { stroke: '#444', size: 64, values: (_u, splits) => splits.map((v) => fmt(v)) },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          // Dots only when there are few values: a lone bucket is otherwise invisible.
          points: { show: fewValues },
          value: (_u: uPlot, v: number | null) => fmt(v),
        })),
      ],
    };
    const plot = new uPlot(opts, dataRef.current, host);
    plotRef.current = plot;
    let ro: ResizeObserver | undefined;
    if (typeof ResizeObserver !== 'undefined') {
      ro = new ResizeObserver(() => {
        plot.setSize({ width: Math.max(host.clientWidth, 200), height: height - 64 });
      });
      ro.observe(host);
    }
    return () => {
      ro?.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [shape, height, empty]);

  useEffect(() => {
    plotRef.current?.setData(data);
  });

  return (
    <figure className="chart" style={{ height }} aria-label={title}>
      <figcaption className="chart-title">{title}</figcaption>
      {empty ? (
        <div className="chart-empty">No data in this time range.</div>
      ) : (
        <div ref={hostRef} className="chart-host" />
      )}
    </figure>
  );
}
