import { sparklinePoints } from '../utils/sparkline.js';

export function Sparkline({
  values,
  label,
}: {
  values: readonly number[] | undefined;
  label: string;
}) {
  const w = 96;
  const h = 24;
  if (!values || values.length === 0) {
    return <span className="sparkline sparkline-empty" aria-hidden="true" />;
  }
  return (
    <svg
      className="sparkline"
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={label}
    >
      <polyline
        points={sparklinePoints(values, w, h)}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
      />
    </svg>
  );
}
