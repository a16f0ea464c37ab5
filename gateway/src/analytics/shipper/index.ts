/**
 * The gateway side of "nothing lost, nothing counted twice": an `EventSink` that batches
 * request events to the collector's `POST /v1/events` (event batches: `EventBatchWriter` in
 * `@gatehouse/shared`, see batch-body.ts) and keeps every event until the collector acknowledged
 * it (which it does only after ClickHouse stored the rows).
 *
 * - `push` never blocks or throws: a bounded in-memory queue; when full, new events are dropped
 *   and counted.
 * - One sender loop, so batches leave in order. While the collector or ClickHouse is down,
 *   batches go to a bounded disk spool (oldest dropped and counted when full) and are replayed
 *   oldest first on recovery; while the spool has a backlog, new batches queue behind it on
 *   disk (not in memory, whose bound is far smaller), and the backlog is replayed up to
 *   `maxInFlight` batches at a time, so it drains faster than new batches arrive.
 * - A retried batch may reach the collector twice (ack lost); the collector skips request_ids it
 *   already stored, so nothing is counted twice.
 * - 422 `invalid_events`: the events it names are dropped and counted (`rejected`), the rest resent.
 * - Timers are unref'd; `close()` runs once: a last send attempt, the rest stays in the spool.
 */
import { type EventSink, EventBatchWriter } from '@gatehouse/shared';
import { Agent, request } from 'undici';
import { type BatchBody, countEvents, forDisk, headersFor, withoutEvents } from './batch-body.js';
import { openSpool, type Spool, type SpooledBatch } from './spool.js';

export interface ShipperOptions {
  /** Collector base URL, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** `COLLECTOR_INGEST_TOKEN`. */
  token: string;
  spoolDir: string;
  /** Events held in memory before new ones are dropped (default 100 000). */
  maxQueue?: number;
  /** Events per POST (default 5 000). */
  maxBatch?: number;
  /** Batches sent concurrently, from memory or from the spool (default 4). */
  maxInFlight?: number;
  /** Longest an event waits in memory before a partial batch is sent (default 1 000 ms). */
  flushMs?: number;
  /** Disk bound for the spool (default 256 MiB). */
  maxSpoolBytes?: number;
  /** Timeout of one POST (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** First retry delay after a failed send, doubled up to `maxRetryMs` (defaults 500 / 30 000 ms). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Export failures go here, never into the request path. */
  onError?: (err: unknown) => void;
}

export interface ShipperStats {
  /** Events in memory (queued + in flight). */
  queued: number;
  /** All events lost: queue full + spool full. */
  dropped: number;
  droppedQueueFull: number;
  droppedSpoolFull: number;
  spooledEvents: number;
  spooledBytes: number;
  /** Events the collector acknowledged (stored now or already stored). */
  sent: number;
  /** Acknowledged events the collector already had (retries). */
  duplicates: number;
  /** Events the collector refused as invalid. */
  rejected: number;
  /** Failed POST attempts. */
  sendFailures: number;
}

export interface Shipper extends EventSink {
  stats(): ShipperStats;
}

class SendError extends Error {
  override name = 'SendError';
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

function validateOptions(
  o: ShipperOptions,
): Required<Omit<ShipperOptions, 'onError'>> & Pick<ShipperOptions, 'onError'> {
  const url = new URL('/v1/events', o.url).toString();
  if (!o.token) throw new Error('shipper: token is required');
  if (!o.spoolDir) throw new Error('shipper: spoolDir is required');
  const out = {
    url,
    token: o.token,
    spoolDir: o.spoolDir,
    maxQueue: o.maxQueue ?? 100_000,
    maxBatch: o.maxBatch ?? 5_000,
    maxInFlight: o.maxInFlight ?? 4,
    flushMs: o.flushMs ?? 1_000,
    maxSpoolBytes: o.maxSpoolBytes ?? 256 * 1024 * 1024,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    retryMs: o.retryMs ?? 500,
    maxRetryMs: o.maxRetryMs ?? 30_000,
    onError: o.onError,
  };
  for (const k of [
    'maxQueue',
    'maxBatch',
    'maxInFlight',
    'flushMs',
    'maxSpoolBytes',
    'requestTimeoutMs',
    'retryMs',
    'maxRetryMs',
  ] as const) {
    if (!Number.isFinite(out[k]) || out[k] <= 0)
      throw new Error(`shipper: ${k} must be a positive number`);
  }
  if (out.maxBatch > out.maxQueue) throw new Error('shipper: maxBatch must not exceed maxQueue');
  return out;
}

export function createShipper(options: ShipperOptions): Shipper {
  const o = validateOptions(options);
  // One connection per batch in flight: fewer would queue the POSTs maxInFlight allows.
  const agent = new Agent({ connections: o.maxInFlight, keepAliveTimeout: 10_000 });
  // Events are written into their batch as they arrive (off-heap: keeping a second of events as
  // JS objects or strings made the young-generation GC copy each one twice and promote it, ~1.5 µs
  // per event on the request core). Full batches wait in `ready`, then the open one.
  const ready: EventBatchWriter[] = [];
  let open = new EventBatchWriter();
  let queued = 0;
  let inFlight = 0;
  const counters = { droppedQueueFull: 0, sent: 0, duplicates: 0, rejected: 0, sendFailures: 0 };
  let spool: Spool | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  let retryDelay = 0;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const reportError = (err: unknown) => {
    try {
      o.onError?.(err);
    } catch {
      // the error sink must not break the sender
    }
  };

  function nudge(): void {
    wake?.();
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (closed) {
        resolve();
        return;
      }
      wake = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        wake = undefined;
        resolve();
      };
      timer = setTimeout(() => wake?.(), ms);
      timer.unref();
    });
  }

  /** POSTs one body; resolves with the ack, throws SendError (status set for HTTP answers). */
  async function post(
    body: BatchBody,
    attempt: number,
  ): Promise<{ accepted: number; duplicates: number }> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(o.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${o.token}`,
          ...headersFor(body.format),
          // 1 = never sent before: the collector can skip its already-stored lookup.
          'gatehouse-batch-attempt': String(attempt),
        },
        body: body.bytes,
        headersTimeout: o.requestTimeoutMs,
        bodyTimeout: o.requestTimeoutMs,
        signal: AbortSignal.timeout(o.requestTimeoutMs),
      });
    } catch (err) {
      throw new SendError(`collector unreachable: ${(err as Error).message}`);
    }
    const text = await res.body.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.statusCode === 200) {
      const ack = parsed as { accepted?: number; duplicates?: number } | undefined;
      return { accepted: Number(ack?.accepted ?? 0), duplicates: Number(ack?.duplicates ?? 0) };
    }
    throw new SendError(`collector answered ${res.statusCode}`, res.statusCode, parsed);
  }

  // 415: a collector that cannot read this gateway's batches (from before event batches, or
  // before their version), met during a rolling upgrade that did not start with the collectors.
  // Kept and retried (spooled meanwhile) rather than dropped: it passes once they are upgraded.
  const retryable = (e: SendError) =>
    e.status === undefined ||
    e.status >= 500 ||
    e.status === 408 ||
    e.status === 429 ||
    e.status === 401 ||
    e.status === 415;

  /** Events (1-based positions, `line` in the answer) named by a 422 `invalid_events`, if any. */
  function refusedLines(e: SendError): Set<number> | undefined {
    const details = (
      e.body as { error?: { code?: string; details?: { rows?: { line?: number }[] } } }
    )?.error;
    if (e.status !== 422 || details?.code !== 'invalid_events') return undefined;
    const lines = new Set(
      (details.details?.rows ?? []).map((r) => Number(r.line)).filter((n) => n > 0),
    );
    return lines.size > 0 ? lines : undefined;
  }

  /**
   * Sends a body until acknowledged or refused for good. Returns 'done' or 'retry' (keep it).
   * `replace` stores a smaller body after the collector refused some lines.
   */
  async function deliver(
    body: BatchBody,
    firstAttempt: boolean,
    replace: (body: BatchBody, events: number) => Promise<void>,
  ): Promise<'done' | 'retry'> {
    let current = body;
    let attempt = firstAttempt ? 1 : 2;
    for (;;) {
      try {
        const ack = await post(current, attempt);
        counters.sent += ack.accepted + ack.duplicates;
        counters.duplicates += ack.duplicates;
        retryDelay = 0;
        return 'done';
      } catch (err) {
        const e = err as SendError;
        counters.sendFailures += 1;
        attempt += 1;
        const lines = refusedLines(e);
        if (lines) {
          const rest = await withoutEvents(current, lines);
          if (!rest) {
            reportError(new Error('collector refused events of a batch that cannot be read back'));
            return 'done';
          }
          counters.rejected += rest.all - rest.kept;
          reportError(new Error(`collector refused ${rest.all - rest.kept} invalid events`));
          if (rest.kept === 0) return 'done';
          current = rest.body;
          await replace(current, rest.kept);
          continue;
        }
        reportError(
          e.status === 415
            ? new SendError(
                'collector answered 415: it cannot read these event batches; upgrade the collectors (batches are kept until then)',
                415,
              )
            : err,
        );
        if (!retryable(e)) {
          // Refused for good (e.g. 413): keeping it would block every later batch.
          counters.rejected += countEvents(current);
          return 'done';
        }
        // Batches sent together fail together: back off once per attempt, not once per batch
        // (four failed replays would otherwise multiply the delay by 16 in one go).
        if (Date.now() >= nextRetryAt) {
          retryDelay = Math.min(o.maxRetryMs, retryDelay === 0 ? o.retryMs : retryDelay * 2);
          nextRetryAt = Date.now() + retryDelay;
        }
        return 'retry';
      }
    }
  }

  function closeBatch(): void {
    ready.push(open);
    open = new EventBatchWriter();
  }

  function takeBatch(): EventBatchWriter {
    if (ready.length === 0) closeBatch();
    const batch = ready.shift()!;
    queued -= batch.events;
    return batch;
  }

  /** Memory batches that are due go to the spool, behind its backlog. */
  async function spillDue(s: Spool): Promise<void> {
    while (queued > 0 && (ready.length > 0 || Date.now() - firstQueuedAt >= o.flushMs)) {
      const batch = takeBatch();
      inFlight = batch.events;
      try {
        await s.append(await forDisk(bodyOf(batch)), batch.events);
      } finally {
        inFlight = 0;
      }
    }
  }

  /** One pass: replay the spool oldest first, then send (or spool) what is in memory. */
  async function pump(final: boolean): Promise<void> {
    spool ??= await openSpool(o.spoolDir, o.maxSpoolBytes);
    const s = spool;
    // During the back-off, only move memory to disk; the next send attempt waits for nextRetryAt.
    let down = !final && Date.now() < nextRetryAt;
    // Backlog first, so batches arrive in the order they were made (within a window of
    // maxInFlight, which the collector stores in one insert anyway). The collector holds each
    // POST until its next flush, so one batch at a time would replay no faster than batches were
    // made during the outage: the backlog would never shrink while traffic continues, and memory
    // (were new events kept there) would overflow and drop events after a long outage.
    while (!down && s.oldest()) {
      await spillDue(s);
      const results = await Promise.all(
        s.head(o.maxInFlight).map(async (head) => {
          let batch: SpooledBatch = head;
          const result = await deliver(await s.read(batch), false, async (body, n) => {
            batch = await s.rewrite(batch, body, n);
          });
          return { batch, result };
        }),
      );
      for (const { batch, result } of results) {
        if (result === 'done') await s.remove(batch);
        else down = true;
      }
    }
    // Memory: send while the collector answers (up to maxInFlight full batches at once, since the
    // collector holds each request until its next insert); once it does not, move batches to disk.
    while (queued > 0) {
      const due = final || down || ready.length > 0 || Date.now() - firstQueuedAt >= o.flushMs;
      if (!due) break;
      const batches = [takeBatch()];
      if (!down)
        while (batches.length < o.maxInFlight && ready.length > 0) batches.push(takeBatch());
      inFlight = batches.reduce((n, b) => n + b.events, 0);
      try {
        const bodies = batches.map(bodyOf);
        const results = down
          ? bodies.map(() => 'retry' as const)
          : await Promise.all(bodies.map((body) => deliver(body, true, async () => {})));
        // Failed batches go to disk in the order they were made.
        for (let i = 0; i < bodies.length; i++) {
          if (results[i] === 'retry') {
            down = true;
            await s.append(await forDisk(bodies[i]!), batches[i]!.events);
          }
        }
      } finally {
        inFlight = 0;
      }
    }
    if (down) throw new SendError('collector down');
  }

  const bodyOf = (batch: EventBatchWriter): BatchBody => ({
    bytes: batch.finish(),
    format: 'gheb',
  });

  // A partial batch waits up to flushMs for company; a full one goes at once.
  let firstQueuedAt = 0;
  let nextRetryAt = 0;

  const loop = (async () => {
    while (!closed) {
      try {
        await pump(false);
      } catch (err) {
        if (!(err instanceof SendError)) reportError(err);
        // Keep spooling memory every flushMs while waiting for the next attempt.
        await sleep(Math.min(o.flushMs, Math.max(1, nextRetryAt - Date.now())));
        continue;
      }
      if (closed) break;
      const wait = queued === 0 ? o.flushMs : Math.max(1, firstQueuedAt + o.flushMs - Date.now());
      await sleep(ready.length > 0 ? 0 : wait);
    }
  })();

  return {
    push(event) {
      if (closed) {
        counters.droppedQueueFull += 1;
        return;
      }
      if (queued >= o.maxQueue) {
        counters.droppedQueueFull += 1;
        return;
      }
      try {
        open.append(event);
      } catch {
        // A count the batch cannot carry (not a safe integer): the collector would refuse it too.
        counters.rejected += 1;
        return;
      }
      if (queued === 0) firstQueuedAt = Date.now();
      queued += 1;
      if (open.events >= o.maxBatch) {
        closeBatch();
        nudge();
      }
    },
    stats() {
      const spoolSize = spool?.size() ?? { events: 0, bytes: 0, batches: 0 };
      const droppedSpoolFull = spool?.droppedEvents() ?? 0;
      return {
        queued: queued + inFlight,
        dropped: counters.droppedQueueFull + droppedSpoolFull,
        droppedQueueFull: counters.droppedQueueFull,
        droppedSpoolFull,
        spooledEvents: spoolSize.events,
        spooledBytes: spoolSize.bytes,
        sent: counters.sent,
        duplicates: counters.duplicates,
        rejected: counters.rejected,
        sendFailures: counters.sendFailures,
      };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        nudge();
        await loop;
        // One last attempt; whatever the collector does not take stays in the spool on disk.
        try {
          await pump(true);
        } catch (err) {
          if (!(err instanceof SendError)) reportError(err);
        }
        await agent.close();
      })();
      return closing;
    },
  };
}
