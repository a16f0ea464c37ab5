import type { TimeRange } from '@gatehouse/shared';

/**
 * The time window of every analytics view, kept in the query string (`range=1h`, or
 * `from`/`to` in RFC 3339 for a custom window) so a link reproduces what someone saw.
 */
export type TimeWindow =
  | { kind: 'preset'; range: TimeRange }
  | { kind: 'custom'; from: string; to: string };

export const PRESETS: readonly { value: TimeRange; label: string }[] = [
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
];

export const DEFAULT_WINDOW: TimeWindow = { kind: 'preset', range: '1h' };

function isPreset(v: string | null): v is TimeRange {
  return v === '15m' || v === '1h' || v === '24h' || v === '7d';
}

function isInstant(v: string | null): v is string {
  return v !== null && v !== '' && !Number.isNaN(Date.parse(v));
}

/** Reads the window from URL search params; anything invalid falls back to the last hour. */
export function parseWindow(params: URLSearchParams): TimeWindow {
  const from = params.get('from');
  const to = params.get('to');
  if (isInstant(from) && isInstant(to) && Date.parse(from) < Date.parse(to)) {
    return { kind: 'custom', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  const range = params.get('range');
  return isPreset(range) ? { kind: 'preset', range } : DEFAULT_WINDOW;
}

/** Writes the window into a copy of the params, leaving every other filter as it was. */
export function writeWindow(params: URLSearchParams, w: TimeWindow): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete('range');
  next.delete('from');
  next.delete('to');
  if (w.kind === 'preset') next.set('range', w.range);
  else {
    next.set('from', w.from);
    next.set('to', w.to);
  }
  return next;
}

/** The query API's parameters for a window. */
export function windowQuery(w: TimeWindow): { range?: TimeRange; from?: string; to?: string } {
  return w.kind === 'preset' ? { range: w.range } : { from: w.from, to: w.to };
}

/** Stable string for hook dependencies. */
export function windowKey(w: TimeWindow): string {
  return w.kind === 'preset' ? w.range : `${w.from}/${w.to}`;
}

/** `datetime-local` input value (local time, minutes) ↔ ISO instant. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function describeWindow(w: TimeWindow): string {
  if (w.kind === 'preset') return PRESETS.find((p) => p.value === w.range)?.label ?? w.range;
  return `${new Date(w.from).toLocaleString()} – ${new Date(w.to).toLocaleString()}`;
}
