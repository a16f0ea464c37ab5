import type { RequestEvent } from '@gatehouse/shared';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { bucketIndex, exposeCounter, exposeHistogram, SeriesTable } from './request-series.js';

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can run in
 * one test process). Labels are bounded on purpose: route TEMPLATE, method, status CLASS.
 * There is NO customer label: customers are unbounded (every new customer would add a set
 * of series per route × method × status, the cardinality blow-up of Kong prometheus #36/#49);
 * per-customer numbers live in ClickHouse via the analytics events instead.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  observe(event: RequestEvent): void;
  authFailure(reason: string): void;
  rateLimitRejected(reason: 'rate' | 'quota'): void;
  rateLimitStoreError(): void;
  upstreamError(kind: 'timeout' | 'unavailable'): void;
}

export interface MetricsSources {
  /** Shipper stats (queue depth, dropped events); absent without a collector. */
  shipperStats?: () => { queued: number; dropped: number; spooledEvents?: number } | undefined;
  keyCacheStats?: () => { keys: number; lastRefreshAt: number } | undefined;
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createGatewayMetrics(sources: MetricsSources = {}): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_gateway_' });
  // Per-request series: counted in plain objects, exposed at scrape (request-series.ts).
  const requests = new SeriesTable(['route', 'method', 'status_class'], BUCKETS.length, [
    ...STATUS_CLASSES,
  ]);
  exposeCounter(registry, {
    name: 'gatehouse_gateway_requests_total',
    help: 'Requests answered by the data plane, by route template, method and status class.',
    table: requests,
  });
  exposeHistogram(registry, {
    name: 'gatehouse_gateway_request_duration_seconds',
    help: 'Total time from request arrival to response end.',
    table: requests,
    bounds: BUCKETS,
  });
  const upstream = new SeriesTable(['route', 'method'], BUCKETS.length);
  exposeHistogram(registry, {
    name: 'gatehouse_gateway_upstream_duration_seconds',
    help: 'Time from forwarding to the upstream response headers.',
    table: upstream,
    bounds: BUCKETS,
  });
  const rateLimited = new Counter({
    name: 'gatehouse_gateway_rate_limit_rejections_total',
    help: 'Requests refused with 429 by the rate limit (rate) or daily quota (quota).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'gatehouse_gateway_auth_failures_total',
    help: 'Failed authentications by reason (unknown, revoked, expired, jwt_expired, ...).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'gatehouse_gateway_rate_limit_store_errors_total',
    help: 'Rate-limit store (Redis) failures; each one fell back to local limits or failed closed.',
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'gatehouse_gateway_upstream_errors_total',
    help: 'Upstream failures: timeout (504) or unavailable (502).',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_gateway_event_queue_depth',
    help: 'Analytics events waiting in the shipper queue.',
    registers: [registry],
    collect() {
      this.set(sources.shipperStats?.()?.queued ?? 0);
    },
  });
  new Gauge({
    name: 'gatehouse_gateway_event_spool_events',
    help: 'Analytics events held in the shipper disk spool (the collector or ClickHouse refused or was unreachable).',
    registers: [registry],
    collect() {
      this.set(sources.shipperStats?.()?.spooledEvents ?? 0);
    },
  });
  new Gauge({
    name: 'gatehouse_gateway_events_dropped',
    help: 'Analytics events dropped by the shipper since start (queue full, spool full).',
    registers: [registry],
    collect() {
      this.set(sources.shipperStats?.()?.dropped ?? 0);
    },
  });
  new Gauge({
    name: 'gatehouse_gateway_key_cache_age_seconds',
    help: 'Seconds since the key cache last refreshed successfully.',
    registers: [registry],
    collect() {
      const at = sources.keyCacheStats?.()?.lastRefreshAt ?? 0;
      this.set(at === 0 ? 0 : (Date.now() - at) / 1000);
    },
  });

  return {
    registry,
    observe(event) {
      const statusIndex = Math.floor(event.status / 100) - 1;
      const s = requests.get(
        event.route,
        event.method,
        statusIndex >= 0 && statusIndex < STATUS_CLASSES.length ? statusIndex : 4,
      );
      const seconds = event.latency_ms / 1000;
      s.count++;
      s.sum += seconds;
      s.buckets[bucketIndex(BUCKETS, seconds)]!++;
      if (event.upstream_latency_ms > 0) {
        const u = upstream.get(event.route, event.method);
        const up = event.upstream_latency_ms / 1000;
        u.count++;
        u.sum += up;
        u.buckets[bucketIndex(BUCKETS, up)]!++;
      }
    },
    authFailure: (reason) => authFailures.inc({ reason }),
    rateLimitRejected: (reason) => rateLimited.inc({ reason }),
    rateLimitStoreError: () => storeErrors.inc(),
    upstreamError: (kind) => upstreamErrors.inc({ kind }),
  };
}
