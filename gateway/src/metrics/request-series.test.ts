import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { bucketIndex, exposeCounter, exposeHistogram, SeriesTable } from './request-series.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const CLASSES = ['2xx', '4xx'];
const observations: [string, string, number, number][] = [
  ['/v1/orders/{id}', 'GET', 0, 0.0004],
  ['/v1/orders/{id}', 'GET', 0, 0.001],
  ['/v1/orders/{id}', 'GET', 0, 0.05],
  ['/v1/orders/{id}', 'GET', 1, 2],
  ['/v1/orders', 'POST', 0, 0.3],
  ['/v1/orders', 'GET', 1, 0.002],
];

/** The same observations through prom-client's own Counter and Histogram. */
function reference(): Registry {
  const registry = new Registry();
  const labelNames = ['route', 'method', 'status_class'];
  const c = new Counter({ name: 'x_total', help: 'h', labelNames, registers: [registry] });
  const h = new Histogram({
    name: 'x_seconds',
    help: 'h',
    labelNames,
    buckets: BOUNDS,
    registers: [registry],
  });
  for (const [route, method, cls, v] of observations) {
    const labels = { route, method, status_class: CLASSES[cls]! };
    c.inc(labels);
    h.observe(labels, v);
  }
  return registry;
}

function ours(): Registry {
  const registry = new Registry();
  const table = new SeriesTable(['route', 'method', 'status_class'], BOUNDS.length, CLASSES);
  exposeCounter(registry, { name: 'x_total', help: 'h', table });
  exposeHistogram(registry, { name: 'x_seconds', help: 'h', table, bounds: BOUNDS });
  for (const [route, method, cls, v] of observations) {
    const s = table.get(route, method, cls);
    s.count++;
    s.sum += v;
    s.buckets[bucketIndex(BOUNDS, v)]!++;
  }
  return registry;
}

describe('request series', () => {
  it('exposes exactly what prom-client Counter and Histogram expose for the same requests', async () => {
    expect(await ours().metrics()).toBe(await reference().metrics());
  });

  it('sums across cluster workers like prom-client metrics do', async () => {
    const a = await ours().getMetricsAsJSON();
    const b = await reference().getMetricsAsJSON();
    const sum = (x: typeof a) => AggregatorRegistry.aggregate([x, x]).metrics();
    expect(await sum(a)).toBe(await sum(b));
  });

  it('puts a value on a bucket bound into that bucket and beyond the last into +Inf', () => {
    expect(bucketIndex(BOUNDS, 0.001)).toBe(0);
    expect(bucketIndex(BOUNDS, 0.0011)).toBe(1);
    expect(bucketIndex(BOUNDS, 1)).toBe(3);
    expect(bucketIndex(BOUNDS, 1.5)).toBe(4);
  });

  it('starts over on reset', async () => {
    const registry = ours();
    registry.resetMetrics();
    expect(await registry.metrics()).not.toMatch(/x_total\{/);
  });
});
