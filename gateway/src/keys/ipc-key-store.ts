import type { Serializable } from 'node:child_process';
import type { KeyData, KeyStore } from './key-cache.js';

/**
 * PGlite is one process's database, but the gateway runs one worker per core. So with the
 * embedded store, the primary opens it and answers its workers' key-cache reads over the
 * cluster IPC channel; each worker's cache polls it exactly as it would poll PostgreSQL.
 * (With `DATABASE_URL`, every process can simply open its own pool instead.)
 *
 *   primary:  cluster.on('fork', (worker) => serveKeyData(store, worker));
 *   worker:   createKeyCache(createIpcKeyStore(process), { refreshMs })
 */

const REQUEST = 'gatehouse:key-data:request';
const REPLY = 'gatehouse:key-data:reply';

interface KeyDataRequest {
  type: typeof REQUEST;
  id: number;
  cursor?: string;
}
interface KeyDataReply {
  type: typeof REPLY;
  id: number;
  data?: KeyData;
  error?: string;
}

/** What both `cluster.Worker` (primary side) and `process` (worker side) offer. */
export interface IpcChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: Serializable): unknown;
}

function isRequest(message: unknown): message is KeyDataRequest {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === REQUEST &&
    typeof (message as { id?: unknown }).id === 'number'
  );
}

function isReply(message: unknown): message is KeyDataReply {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === REPLY
  );
}

/** Primary side: answers one worker's key-data reads from the real store. Returns a stop function. */
export function serveKeyData(store: KeyStore, worker: IpcChannel): () => void {
  const onMessage = (message: unknown) => {
    if (!isRequest(message)) return;
    store.readKeyData(message.cursor).then(
      (data) => reply({ type: REPLY, id: message.id, data }),
      (error: unknown) =>
        reply({
          type: REPLY,
          id: message.id,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  };
  const reply = (message: KeyDataReply) => {
    try {
      worker.send?.(message);
    } catch {
      // The worker is gone; its cache no longer needs an answer.
    }
  };
  worker.on('message', onMessage);
  return () => worker.off('message', onMessage);
}

/** Worker side: a KeyStore whose reads are answered by the primary. */
export function createIpcKeyStore(
  channel: IpcChannel,
  opts: { timeoutMs?: number } = {},
): KeyStore & { close(): void } {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!channel.send) throw new Error('createIpcKeyStore needs an IPC channel (a cluster worker).');
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (data: KeyData) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  const onMessage = (message: unknown) => {
    if (!isReply(message)) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.data) waiter.resolve(message.data);
    else
      waiter.reject(new Error(`key data from the primary failed: ${message.error ?? 'unknown'}`));
  };
  channel.on('message', onMessage);
  return {
    readKeyData(cursor?: string): Promise<KeyData> {
      const id = nextId++;
      return new Promise<KeyData>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no key data from the primary within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
        pending.set(id, { resolve, reject, timer });
        const request: KeyDataRequest =
          cursor === undefined ? { type: REQUEST, id } : { type: REQUEST, id, cursor };
        channel.send!(request);
      });
    },
    close() {
      channel.off('message', onMessage);
      for (const [id, waiter] of pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('IPC key store closed'));
        pending.delete(id);
      }
    },
  };
}
