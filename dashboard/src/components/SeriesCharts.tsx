import { formatMs, formatRps } from '../utils/format.js';
import type { SeriesColumns } from '../utils/series.js';
import { TimeChart } from './TimeChart.js';

// One colour per meaning across every page: blue traffic, red errors, green/amber/purple p50/95/99.

export function RpsChart({ series }: { series: SeriesColumns }) {
  return (
    <TimeChart
      title="Requests per second"
      timestamps={series.timestamps}
      series={[{ label: 'req/s', color: '#1d4ed8', values: series.rps }]}
      formatValue={formatRps}
    />
  );
}

export function LatencyChart({ series }: { series: SeriesColumns }) {
  return (
    <TimeChart
      title="Latency percentiles"
      timestamps={series.timestamps}
      series={[
        { label: 'p50', color: '#15803d', values: series.p50 },
        { label: 'p95', color: '#b45309', values: series.p95 },
        { label: 'p99', color: '#7e22ce', values: series.p99 },
      ]}
      height={240}
      formatValue={formatMs}
    />
  );
}
