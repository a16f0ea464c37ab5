import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router-dom';
import type { AdminKey } from '../../api/admin/types.js';
import { KeyStateBadge } from '../../components/KeyStateBadge.js';
import { EmptyState, ErrorState, Loading } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { useQueryParam } from '../../hooks/useTimeWindow.js';
import { formatCount, formatDate } from '../../utils/format.js';
import { SecretReveal } from './SecretReveal.js';
import { useKeysData } from './useKeysData.js';
import { keyState } from './utils.js';

export function KeysPage() {
  const id = useId();
  const [selectedId, setSelectedId] = useQueryParam('customer');
  const data = useKeysData(selectedId, setSelectedId);
  const { customers, plans, keys, selected, revealed, pending, actionError, actions } = data;
  const planNames = plans.data?.map((p) => p.name) ?? [];

  const [newName, setNewName] = useState('');
  const [newPlan, setNewPlan] = useState('');
  const [keyName, setKeyName] = useState('');
  const [plan, setPlan] = useState('');
  useEffect(() => setPlan(selected?.plan ?? ''), [selected?.plan]);
  const firstPlan = planNames[0] ?? '';

  return (
    <>
      <PageHeader
        title="Keys & plans"
        subtitle="Customers, their API keys and plans, through the gateway's admin API."
        onRefresh={() => {
          customers.reload();
          plans.reload();
          keys.reload();
        }}
        loading={customers.loading}
      />
      {actionError ? (
        <div className="state state-error" role="alert">
          <p className="state-title">That did not work</p>
          <p className="state-body">
            {actionError.message}
            {actionError.code ? <code className="err-code"> ({actionError.code})</code> : null}
          </p>
        </div>
      ) : null}
      <div className="keys-layout">
        <section className="panel" aria-labelledby={`${id}-customers`}>
          <h2 id={`${id}-customers`}>Customers</h2>
          <form
            className="inline-form"
            aria-label="New customer"
            onSubmit={async (e) => {
              e.preventDefault();
              if (!newName.trim()) return;
              if (await actions.createCustomer(newName.trim(), newPlan || firstPlan))
                setNewName('');
            }}
          >
            <div className="field">
              <label htmlFor={`${id}-cname`}>Customer name</label>
              <input
                id={`${id}-cname`}
                value={newName}
                required
                onChange={(e) => setNewName(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-cplan`}>Plan</label>
              <select
                id={`${id}-cplan`}
                value={newPlan || firstPlan}
                onChange={(e) => setNewPlan(e.target.value)}
              >
                {planNames.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="submit"
              className="btn btn-primary"
              disabled={pending === 'create-customer'}
            >
              Create customer
            </button>
          </form>
          {customers.error && !customers.data ? (
            <ErrorState error={customers.error} onRetry={customers.reload} />
          ) : !customers.data ? (
            <Loading />
          ) : customers.data.length === 0 ? (
            <EmptyState title="No customers yet.">Create the first one above.</EmptyState>
          ) : (
            <ul className="customer-list">
              {customers.data.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    className="customer-pick"
                    aria-current={c.id === selectedId ? 'true' : undefined}
                    onClick={() => setSelectedId(c.id)}
                  >
                    <span>{c.name}</span>
                    <span className="muted small">
                      {c.plan}
                      {c.disabled || c.status === 'disabled' ? ' · disabled' : ''}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="panel" aria-labelledby={`${id}-detail`}>
          {!selectedId ? (
            <>
              <h2 id={`${id}-detail`}>Keys</h2>
              <p className="muted">Pick a customer to manage their keys and plan.</p>
            </>
          ) : (
            <>
              <h2 id={`${id}-detail`}>
                {selected?.name ?? selectedId}{' '}
                <span className="muted small mono">{selectedId}</span>
              </h2>
              <p>
                <Link to={`/customers/${encodeURIComponent(selectedId)}`}>
                  Traffic of this customer →
                </Link>
              </p>
              <form
                className="inline-form"
                aria-label="Change plan"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (plan) void actions.changePlan(plan);
                }}
              >
                <div className="field">
                  <label htmlFor={`${id}-plan`}>Plan</label>
                  <select id={`${id}-plan`} value={plan} onChange={(e) => setPlan(e.target.value)}>
                    {plan && !planNames.includes(plan) ? (
                      <option value={plan}>{plan}</option>
                    ) : null}
                    {planNames.map((p) => (
                      <option key={p} value={p}>
                        {p}
                      </option>
                    ))}
                  </select>
                </div>
                <button
                  type="submit"
                  className="btn"
                  disabled={pending === 'change-plan' || !plan || plan === selected?.plan}
                >
                  Change plan
                </button>
              </form>

              <form
                className="inline-form"
                aria-label="New key"
                onSubmit={async (e) => {
                  e.preventDefault();
                  if (await actions.createKey(keyName.trim())) setKeyName('');
                }}
              >
                <div className="field">
                  <label htmlFor={`${id}-kname`}>Key name (optional)</label>
                  <input
                    id={`${id}-kname`}
                    value={keyName}
                    onChange={(e) => setKeyName(e.target.value)}
                  />
                </div>
                <button
                  type="submit"
                  className="btn btn-primary"
                  disabled={pending === 'create-key'}
                >
                  Create key
                </button>
              </form>

              {revealed ? (
                <SecretReveal revealed={revealed} onDone={actions.dismissSecret} />
              ) : null}

              {keys.error && !keys.data ? (
                <ErrorState error={keys.error} onRetry={keys.reload} />
              ) : !keys.data ? (
                <Loading />
              ) : keys.data.length === 0 ? (
                <EmptyState title="No keys yet." />
              ) : (
                <KeyTable
                  keys={keys.data}
                  pending={pending}
                  onRotate={actions.rotateKey}
                  onRevoke={actions.revokeKey}
                />
              )}
            </>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby={`${id}-plans`}>
        <h2 id={`${id}-plans`}>Plans</h2>
        {plans.error && !plans.data ? (
          <ErrorState error={plans.error} onRetry={plans.reload} />
        ) : !plans.data ? (
          <Loading />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Plans</caption>
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col" className="num">
                    Per minute
                  </th>
                  <th scope="col" className="num">
                    Burst
                  </th>
                  <th scope="col" className="num">
                    Per second
                  </th>
                  <th scope="col" className="num">
                    Daily quota
                  </th>
                </tr>
              </thead>
              <tbody>
                {plans.data.map((p) => (
                  <tr key={p.name}>
                    <td>{p.name}</td>
                    <td className="num">{formatCount(p.requests_per_minute)}</td>
                    <td className="num">{formatCount(p.burst)}</td>
                    <td className="num">
                      {p.requests_per_second ? formatCount(p.requests_per_second) : '–'}
                    </td>
                    <td className="num">{p.daily_quota ? formatCount(p.daily_quota) : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function KeyTable(props: {
  keys: readonly AdminKey[];
  pending: string | null;
  onRotate(keyId: string): void;
  onRevoke(keyId: string): void;
}) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">API keys</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => {
            const state = keyState(k, now);
            const live = state === 'active' || state === 'expiring';
            return (
              <tr key={k.key_id} data-key-id={k.key_id}>
                <td>
                  <code>{k.key_id}</code>
                  {k.name ? <div className="small">{k.name}</div> : null}
                </td>
                <td>
                  <KeyStateBadge state={state} />
                </td>
                <td className="nowrap">{formatDate(k.created_at)}</td>
                <td className="nowrap">{k.expires_at ? formatDate(k.expires_at) : '–'}</td>
                <td>
                  <div className="actions">
                    {live && confirming !== k.key_id ? (
                      <>
                        <button
                          type="button"
                          className="btn"
                          disabled={props.pending === `rotate:${k.key_id}`}
                          onClick={() => props.onRotate(k.key_id)}
                          aria-label={`Rotate key ${k.key_id}`}
                        >
                          Rotate
                        </button>
                        <button
                          type="button"
                          className="btn btn-danger"
                          onClick={() => setConfirming(k.key_id)}
                          aria-label={`Revoke key ${k.key_id}`}
                        >
                          Revoke
                        </button>
                      </>
                    ) : null}
                    {confirming === k.key_id ? (
                      <>
                        <button
                          type="button"
                          className="btn btn-danger"
                          disabled={props.pending === `revoke:${k.key_id}`}
                          onClick={() => {
                            setConfirming(null);
                            props.onRevoke(k.key_id);
                          }}
                          aria-label={`Confirm revoking key ${k.key_id}`}
                        >
                          Confirm revoke
                        </button>
                        <button type="button" className="btn" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </>
                    ) : null}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
