import { useCallback, useState } from 'react';
import { changePlan } from '../../api/admin/changePlan.js';
import { createCustomer } from '../../api/admin/createCustomer.js';
import { createKey } from '../../api/admin/createKey.js';
import { createPlan } from '../../api/admin/createPlan.js';
import { listCustomers } from '../../api/admin/listCustomers.js';
import { listKeys } from '../../api/admin/listKeys.js';
import { listPlans } from '../../api/admin/listPlans.js';
import { revokeKey } from '../../api/admin/revokeKey.js';
import { rotateKey } from '../../api/admin/rotateKey.js';
import type { AdminCustomer, AdminPlan, CreatedKey, NewPlan } from '../../api/admin/types.js';
import { type AppError, normaliseError } from '../../api/errors.js';
import { useClients } from '../../auth/AuthContext.js';
import { useRemote } from '../../hooks/useRemote.js';
import { orderKeys } from './utils.js';

/** A secret just returned by create or rotate. Held only in memory, dropped on dismiss. */
export interface RevealedSecret {
  reason: 'created' | 'rotated';
  key: CreatedKey;
}

export function useKeysData(selectedId: string, onSelect: (id: string) => void) {
  const { admin } = useClients();
  const [version, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  const customers = useRemote<AdminCustomer[]>(`customers#${version}`, (s) =>
    listCustomers(admin, s),
  );
  const [plansVersion, setPlansVersion] = useState(0);
  const plans = useRemote<AdminPlan[]>(`plans#${plansVersion}`, (s) => listPlans(admin, s));
  const keys = useRemote(selectedId ? `${selectedId}#${version}` : null, async (s) =>
    orderKeys(await listKeys(admin, selectedId, s), Date.now()),
  );

  const [revealed, setRevealed] = useState<RevealedSecret | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [actionError, setActionError] = useState<AppError | null>(null);

  /** Runs one admin action, recording which one is pending and any error, then reloads. */
  const run = useCallback(
    async <T>(label: string, action: () => Promise<T>): Promise<T | undefined> => {
      setPending(label);
      setActionError(null);
      try {
        const out = await action();
        bump();
        return out;
      } catch (err) {
        setActionError(normaliseError(err));
        return undefined;
      } finally {
        setPending(null);
      }
    },
    [bump],
  );

  const actions = {
    createCustomer: async (name: string, plan: string) => {
      const c = await run('create-customer', () => createCustomer(admin, { name, plan }));
      if (c) onSelect(c.id);
      return c !== undefined;
    },
    createKey: async (name: string) => {
      setRevealed(null);
      const k = await run('create-key', () => createKey(admin, selectedId, name ? { name } : {}));
      if (k) setRevealed({ reason: 'created', key: k });
      return k !== undefined;
    },
    rotateKey: async (keyId: string) => {
      setRevealed(null);
      const k = await run(`rotate:${keyId}`, () => rotateKey(admin, keyId));
      if (k) setRevealed({ reason: 'rotated', key: k });
    },
    revokeKey: async (keyId: string) => {
      await run(`revoke:${keyId}`, () => revokeKey(admin, keyId));
    },
    changePlan: async (plan: string) => {
      await run('change-plan', () => changePlan(admin, selectedId, plan));
    },
    /** The form shows what went wrong under its fields, so the error is returned, not shown. */
    createPlan: async (input: NewPlan): Promise<AppError | null> => {
      setPending('create-plan');
      try {
        await createPlan(admin, input);
        setPlansVersion((v) => v + 1);
        return null;
      } catch (err) {
        return normaliseError(err);
      } finally {
        setPending(null);
      }
    },
    dismissSecret: () => setRevealed(null),
  };

  const selected = customers.data?.find((c) => c.id === selectedId) ?? null;
  return { customers, plans, keys, selected, revealed, pending, actionError, actions };
}
