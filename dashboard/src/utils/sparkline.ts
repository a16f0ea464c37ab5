/**
 * SVG polyline points for a sparkline. Pure so it can be tested; the table draws dozens of
 * them and SVG is cheaper than a canvas chart per row.
 */
export function sparklinePoints(
  values: readonly number[],
  width: number,
  height: number,
  pad = 1,
): string {
  const clean = values.map((v) => (Number.isFinite(v) ? v : 0));
  if (clean.length === 0) return '';
  const max = Math.max(...clean);
  const min = Math.min(0, ...clean);
  const span = max - min || 1;
  const step = clean.length > 1 ? (width - 2 * pad) / (clean.length - 1) : 0;
  return clean
    .map((v, i) => {
      const x = pad + i * step;
      const y = height - pad - ((v - min) / span) * (height - 2 * pad);
      return `${round(x)},${round(y)}`;
    })
    .join(' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
