import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGatewayStore, type GatewayStore } from '../store/gateway-store.js';
import { serveKeyData } from './ipc-key-store.js';
import type { KeyCheck } from './key-cache.js';

const CHILD = fileURLToPath(new URL('./testdata/ipc-child.ts', import.meta.url));

describe('key cache fed over IPC by the process that owns PGlite', () => {
  let store: GatewayStore;
  let child: ChildProcess;
  let stopServing: () => void;
  let seq = 0;

  beforeAll(async () => {
    store = await openGatewayStore(); // PGlite in memory: only this process can open it
    child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    stopServing = serveKeyData(store, child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.on('message', (m) => {
        if ((m as { ready?: boolean }).ready) resolve();
      });
    });
  }, 60_000);

  afterAll(async () => {
    stopServing?.();
    if (child?.connected) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ exit: true });
      await exited;
    }
    await store?.close();
  });

  function childVerify(key: string): Promise<KeyCheck> {
    const id = ++seq;
    return new Promise((resolve) => {
      const onMessage = (m: unknown) => {
        const reply = m as { seq?: number; check?: KeyCheck };
        if (reply.seq !== id) return;
        child.off('message', onMessage);
        resolve(reply.check!);
      };
      child.on('message', onMessage);
      child.send({ verify: key, seq: id });
    });
  }

  async function childEventually(key: string, ok: boolean): Promise<KeyCheck> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const check = await childVerify(key);
      if (check.ok === ok) return check;
      if (Date.now() > deadline) throw new Error(`child never saw ok=${ok}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('sees a new key, then refuses it once revoked in the owning process', async () => {
    const customer = (await store.createCustomer({ name: 'Worker', plan: 'free' }))!;
    const { record, key } = await store.createApiKey({ customerId: customer.id });
    const accepted = await childEventually(key, true);
    expect(accepted).toMatchObject({ ok: true, key: { customerId: customer.id } });
    await store.revokeApiKey(record.key_id);
    expect(await childEventually(key, false)).toEqual({ ok: false, reason: 'revoked' });
  });
});
