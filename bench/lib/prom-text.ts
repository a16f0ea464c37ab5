// Reads the gateway's admin /metrics (Prometheus text format) for the benchmark's columns.

/**
 * The first sample's value of `name` (a regex source) in Prometheus text, else NaN; with `label`
 * (e.g. `kind="major"`), the first sample carrying that label.
 */
export function metricValue(body: string, name: string, label?: string): number {
  const labels = label ? `\\{[^}]*${label}[^}]*\\}` : '(?:\\{[^}]*\\})?';
  const m = new RegExp(`^${name}${labels} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : Number.NaN;
}
