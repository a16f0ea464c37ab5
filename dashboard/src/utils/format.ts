const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en');

function finite(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

export function formatCount(n: unknown): string {
  if (!finite(n)) return '–';
  return Math.abs(n) >= 10_000 ? compact.format(n) : whole.format(Math.round(n));
}

/** Every digit, grouped: for configured limits, where "123K" would hide what was set. */
export function formatExact(n: unknown): string {
  if (!finite(n)) return '–';
  return whole.format(n);
}

export function formatMs(n: unknown): string {
  if (!finite(n)) return '–';
  if (n >= 10_000) return `${(n / 1000).toFixed(1)} s`;
  if (n >= 100) return `${Math.round(n)} ms`;
  if (n >= 10) return `${n.toFixed(1)} ms`;
  return `${n.toFixed(2)} ms`;
}

/** `rate` is 0..1. */
export function formatPercent(rate: unknown): string {
  if (!finite(rate)) return '–';
  const p = rate * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export function formatRps(n: unknown): string {
  if (!finite(n)) return '–';
  if (n === 0) return '0';
  if (n < 0.01) return '<0.01';
  if (n < 1) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return formatCount(n);
}

export function formatBytes(n: unknown): string {
  if (!finite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatTime(ms: unknown): string {
  if (!finite(ms)) return '–';
  const d = new Date(ms);
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatDate(iso: unknown): string {
  if (typeof iso !== 'string' || iso === '') return '–';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

/** CSS class for a status code (colour plus the text itself, never colour alone). */
export function statusClass(status: number): 'ok' | 'redirect' | 'client' | 'server' {
  if (status >= 500) return 'server';
  if (status >= 400) return 'client';
  if (status >= 300) return 'redirect';
  return 'ok';
}
