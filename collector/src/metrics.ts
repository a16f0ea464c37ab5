/** The collector's Prometheus metrics, in their own registry (served at `/metrics`). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface CollectorMetrics {
  registry: Registry;
  rowsIngested: Counter;
  rowsDuplicate: Counter;
  rowsRejected: Counter;
  batches: Counter<'result'>;
  insertFailures: Counter;
  insertDuration: Histogram;
  /** Set by the writer: rows waiting, age of the oldest waiting row, newest stored event time. */
  bindWriter(source: {
    depth(): number;
    oldestWaitingMs(): number | null;
    lastEventTsMs(): number | null;
  }): void;
}

export function createMetrics(): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'collector_' });
  let source: Parameters<CollectorMetrics['bindWriter']>[0] | undefined;
  new Gauge({
    name: 'collector_queue_rows',
    help: 'Rows accepted over HTTP and waiting for the ClickHouse insert.',
    registers: [registry],
    collect() {
      this.set(source?.depth() ?? 0);
    },
  });
  new Gauge({
    name: 'collector_queue_oldest_seconds',
    help: 'Age of the oldest row waiting for the ClickHouse insert (0 when the queue is empty).',
    registers: [registry],
    collect() {
      const t = source?.oldestWaitingMs();
      this.set(t == null ? 0 : (Date.now() - t) / 1000);
    },
  });
  new Gauge({
    name: 'collector_lag_seconds',
    help: 'Now minus the gateway timestamp of the newest event stored in ClickHouse.',
    registers: [registry],
    collect() {
      const t = source?.lastEventTsMs();
      this.set(t == null ? 0 : Math.max(0, (Date.now() - t) / 1000));
    },
  });
  return {
    registry,
    rowsIngested: new Counter({
      name: 'collector_rows_ingested_total',
      help: 'Rows stored in ClickHouse.',
      registers: [registry],
    }),
    rowsDuplicate: new Counter({
      name: 'collector_rows_duplicate_total',
      help: 'Rows skipped because their request_id was already stored (retried batches).',
      registers: [registry],
    }),
    rowsRejected: new Counter({
      name: 'collector_rows_rejected_total',
      help: 'Rows refused by validation (their whole batch was refused).',
      registers: [registry],
    }),
    batches: new Counter({
      name: 'collector_batches_total',
      help: 'ClickHouse insert batches by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
    insertFailures: new Counter({
      name: 'collector_insert_failures_total',
      help: 'ClickHouse inserts that failed (the senders were told to retry).',
      registers: [registry],
    }),
    insertDuration: new Histogram({
      name: 'collector_insert_duration_seconds',
      help: 'Duration of one ClickHouse batch insert, dedup check included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    bindWriter(s) {
      source = s;
    },
  };
}
