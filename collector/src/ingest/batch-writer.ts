/**
 * Collects validated events from many HTTP requests into large ClickHouse inserts (a size or a
 * time trigger) and settles each request only once its rows are stored: the ingest endpoint
 * acknowledges after ClickHouse accepted. Inserts run one at a time, which makes the store's
 * "skip ids already stored" check race-free within this collector.
 */
import type { EncodedEvents, RequestsStore } from '../clickhouse/requests-store.js';
import type { CollectorMetrics } from '../metrics.js';

export interface WriteResult {
  accepted: number;
  /** Events whose request_id was already stored (a retried batch) or repeated. */
  duplicates: number;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export interface BatchWriterOptions {
  store: RequestsStore;
  batchRows: number;
  flushMs: number;
  maxQueueRows: number;
  metrics: CollectorMetrics;
  onError?: (err: unknown) => void;
}

export interface BatchWriter {
  /**
   * Resolves once every event is stored (or was already); rejects if the insert failed.
   * `firstAttempt`: the sender says this batch was never sent before, so its events cannot be
   * stored yet and the ClickHouse lookup for them is skipped (repeats inside the queue are
   * still caught). Anything else — retries, unknown senders — is looked up.
   */
  write(events: EncodedEvents, options?: { firstAttempt?: boolean }): Promise<WriteResult>;
  /**
   * Waits up to `waitMs` until the queue has room for about one more request (the recent
   * average size), then holds that room until `release()` (call it once the rows are written, or
   * on failure; extra calls do nothing). Undefined when no room came: the caller refuses before
   * reading the body, so an overloaded collector does not spend its CPU parsing batches it would
   * then refuse. `write` still enforces the queue bound on its own.
   */
  admit(waitMs: number): Promise<(() => void) | undefined>;
  depth(): number;
  /** Flushes what is queued, then refuses new writes. Safe to call twice. */
  close(): Promise<void>;
}

interface Pending {
  events: EncodedEvents;
  firstAttempt: boolean;
  enqueuedAt: number;
  resolve(r: WriteResult): void;
  reject(err: unknown): void;
}

export function createBatchWriter(options: BatchWriterOptions): BatchWriter {
  const { store, batchRows, flushMs, maxQueueRows, metrics } = options;
  let queue: Pending[] = [];
  let queuedRows = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let lastEventTsMs: number | null = null;
  /** Rows promised to admitted requests still reading or parsing their bodies. */
  let reservedRows = 0;
  /** Recent rows per write; a tenth of a batch until the first writes arrive. */
  let rowsPerWrite = Math.max(1, Math.ceil(batchRows / 10));
  let roomChanged: (() => void)[] = [];

  function wakeAdmissions(): void {
    const waiting = roomChanged;
    roomChanged = [];
    for (const wake of waiting) wake();
  }

  function reserve(): (() => void) | undefined {
    const need = Math.ceil(rowsPerWrite);
    const used = queuedRows + reservedRows;
    if (used > 0 && used + need > maxQueueRows) return undefined;
    reservedRows += need;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      reservedRows -= need;
      wakeAdmissions();
    };
  }

  metrics.bindWriter({
    depth: () => queuedRows,
    oldestWaitingMs: () => queue[0]?.enqueuedAt ?? null,
    lastEventTsMs: () => lastEventTsMs,
  });

  function schedule(): void {
    if (closed) return; // close() drains what is left
    if (queuedRows >= batchRows) {
      kick();
    } else if (!timer && queue.length > 0) {
      timer = setTimeout(kick, flushMs);
      timer.unref();
    }
  }

  function kick(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (running) return; // the running loop picks up what is queued
    running = drain().finally(() => {
      running = undefined;
      // Rows arrived while inserting: start the next batch (size trigger) or the timer.
      schedule();
    });
  }

  /** Inserts queued batches until fewer than batchRows rows remain. */
  async function drain(): Promise<void> {
    do {
      const take: Pending[] = [];
      let rows = 0;
      while (
        queue.length > 0 &&
        (take.length === 0 || rows + queue[0]!.events.ids.length <= batchRows)
      ) {
        const p = queue.shift()!;
        take.push(p);
        rows += p.events.ids.length;
      }
      queuedRows -= rows;
      wakeAdmissions();
      await insert(take);
    } while (queuedRows >= batchRows || (closed && queue.length > 0));
  }

  async function insert(take: Pending[]): Promise<void> {
    if (take.length === 0) return;
    const stop = metrics.insertDuration.startTimer();
    try {
      const accepted = await store.insertBatches(
        take.map((p) => p.events),
        take.map((p) => !p.firstAttempt),
      );
      stop();
      let inserted = 0;
      let total = 0;
      let newest = lastEventTsMs ?? 0;
      take.forEach((p, i) => {
        const n = p.events.ids.length;
        inserted += accepted[i]!;
        total += n;
        if (n > 0 && p.events.maxTsMs > newest) newest = p.events.maxTsMs;
      });
      metrics.batches.inc({ result: 'ok' });
      metrics.rowsIngested.inc(inserted);
      metrics.rowsDuplicate.inc(total - inserted);
      lastEventTsMs = newest;
      take.forEach((p, i) => {
        p.resolve({ accepted: accepted[i]!, duplicates: p.events.ids.length - accepted[i]! });
      });
    } catch (err) {
      stop();
      metrics.batches.inc({ result: 'error' });
      metrics.insertFailures.inc();
      options.onError?.(err);
      // Nothing is kept here: the senders still hold these events and retry.
      for (const p of take) p.reject(err);
    }
  }

  return {
    write(events, writeOptions = {}) {
      if (closed) return Promise.reject(new QueueFullError('the collector is shutting down'));
      const n = events.ids.length;
      if (n === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
      rowsPerWrite = 0.8 * rowsPerWrite + 0.2 * n;
      if (queuedRows > 0 && queuedRows + n > maxQueueRows) {
        return Promise.reject(new QueueFullError(`${queuedRows} rows already waiting`));
      }
      return new Promise<WriteResult>((resolve, reject) => {
        queue.push({
          events,
          firstAttempt: writeOptions.firstAttempt === true,
          enqueuedAt: Date.now(),
          resolve,
          reject,
        });
        queuedRows += n;
        schedule();
      });
    },
    async admit(waitMs) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        if (closed) return undefined;
        const release = reserve();
        if (release) return release;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          roomChanged.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    depth: () => queuedRows,
    async close() {
      closed = true;
      wakeAdmissions();
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (running) await running;
      if (queue.length > 0) {
        running = drain();
        await running;
        running = undefined;
      }
      queue = [];
    },
  };
}
