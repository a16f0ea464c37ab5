import { request } from 'undici';

/**
 * Route templates (`/v1/orders/{id}`) read from the upstream's `/openapi.json`, so analytics
 * and metrics group by endpoint instead of by raw path (raw paths are unbounded: one series
 * per order id would blow up Prometheus and make per-endpoint dashboards useless).
 */
export interface RouteTemplates {
  /** The template a path belongs to, or undefined when the spec does not know it. */
  match(path: string): string | undefined;
  /** Re-read the spec now; keeps the previous templates when the upstream is unreachable. */
  refresh(): Promise<void>;
  /** Initial load in the background, then a refresh every `refreshMs`. */
  start(): void;
  stop(): void;
  size(): number;
}

interface Template {
  template: string;
  segments: (string | null)[]; // null = a `{param}` segment
  params: number;
}

export function compileTemplates(paths: readonly string[]): Map<number, Template[]> {
  const bySegments = new Map<number, Template[]>();
  for (const template of paths) {
    const segments = template
      .split('/')
      .slice(1)
      .map((s) => (/^\{[^}]+\}$/.test(s) ? null : s));
    const entry = { template, segments, params: segments.filter((s) => s === null).length };
    const list = bySegments.get(segments.length) ?? [];
    list.push(entry);
    bySegments.set(segments.length, list);
  }
  // Literal segments win over parameters: `/v1/orders/export` before `/v1/orders/{id}`.
  for (const list of bySegments.values()) list.sort((a, b) => a.params - b.params);
  return bySegments;
}

export function matchTemplate(compiled: Map<number, Template[]>, path: string): string | undefined {
  const parts = path.split('/').slice(1);
  const candidates = compiled.get(parts.length);
  if (!candidates) return undefined;
  outer: for (const c of candidates) {
    for (let i = 0; i < parts.length; i++) {
      const seg = c.segments[i];
      if (seg !== null && seg !== parts[i]) continue outer;
      if (seg === null && parts[i] === '') continue outer;
    }
    return c.template;
  }
  return undefined;
}

export function createRouteTemplates(opts: {
  upstreamUrl: string;
  refreshMs: number;
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}): RouteTemplates {
  let compiled = new Map<number, Template[]>();
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const specUrl = new URL('/openapi.json', opts.upstreamUrl).toString();

  async function refresh(): Promise<void> {
    const timeout = opts.timeoutMs ?? 5000;
    const res = await request(specUrl, { headersTimeout: timeout, bodyTimeout: timeout });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`GET ${specUrl} answered ${res.statusCode}`);
    }
    const spec = (await res.body.json()) as { paths?: Record<string, unknown> };
    const paths = Object.keys(spec.paths ?? {}).filter((p) => p.startsWith('/'));
    compiled = compileTemplates(paths);
    count = paths.length;
  }

  function tick(): void {
    refresh()
      .catch((error: unknown) => opts.onError?.(error))
      .finally(() => {
        if (!running) return;
        timer = setTimeout(tick, opts.refreshMs);
        timer.unref();
      });
  }

  return {
    match: (path) => matchTemplate(compiled, path),
    refresh,
    start() {
      if (running) return;
      running = true;
      tick();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    size: () => count,
  };
}
