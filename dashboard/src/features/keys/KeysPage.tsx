import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router-dom';
import type { AdminPlan } from '../../api/admin/types.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { Panel } from '../../components/Panel.js';
import { ActionFailed, Async, EmptyState } from '../../components/States.js';
import { PageHeader } from '../../components/Toolbar.js';
import { useQueryParam } from '../../hooks/useTimeWindow.js';
import { formatExact } from '../../utils/format.js';
import { KeyTable } from './KeyTable.js';
import { NewPlanForm } from './NewPlanForm.js';
import { SecretReveal } from './SecretReveal.js';
import { useKeysData } from './useKeysData.js';

type KeysData = ReturnType<typeof useKeysData>;

export function KeysPage() {
  const [selectedId, setSelectedId] = useQueryParam('customer');
  const data = useKeysData(selectedId, setSelectedId);
  const { customers, plans, keys, actionError } = data;
  const planNames = plans.data?.map((p) => p.name) ?? [];

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
      <ActionFailed error={actionError} />
      <div className="keys-layout">
        <CustomersPanel
          data={data}
          planNames={planNames}
          selectedId={selectedId}
          onSelect={setSelectedId}
        />
        {selectedId ? (
          <CustomerKeysPanel data={data} planNames={planNames} selectedId={selectedId} />
        ) : (
          <Panel title="Keys">
            <p className="muted">Pick a customer to manage their keys and plan.</p>
          </Panel>
        )}
      </div>
      <Panel title="Plans">
        <Async {...plans} onRetry={plans.reload}>
          {(rows) => (
            <DataTable
              caption="Plans"
              columns={PLAN_COLUMNS}
              rows={rows}
              rowKey={(p) => p.name}
              empty="No plans yet."
            />
          )}
        </Async>
        <h3 className="panel-subhead">New plan</h3>
        <p className="muted small">
          Plans cannot be changed once created: the gateway keeps them immutable, so a plan's name
          always means the same limits. To change a customer's limits, create a plan and move the
          customer to it.
        </p>
        <NewPlanForm busy={data.pending === 'create-plan'} onCreate={data.actions.createPlan} />
      </Panel>
    </>
  );
}

const optional = (n: number | null | undefined) => (n ? formatExact(n) : '–');

const PLAN_COLUMNS: Column<AdminPlan>[] = [
  { key: 'name', label: 'Plan', render: (p) => p.name },
  {
    key: 'rpm',
    label: 'Per minute',
    numeric: true,
    render: (p) => formatExact(p.requests_per_minute),
  },
  { key: 'burst', label: 'Burst', numeric: true, render: (p) => formatExact(p.burst) },
  {
    key: 'rps',
    label: 'Per second',
    numeric: true,
    render: (p) => optional(p.requests_per_second),
  },
  { key: 'quota', label: 'Daily quota', numeric: true, render: (p) => optional(p.daily_quota) },
];

function PlanOptions({ names, current }: { names: readonly string[]; current?: string }) {
  // A customer can sit on a plan the list no longer shows; keep it selectable as it is.
  const all = current && !names.includes(current) ? [current, ...names] : names;
  return all.map((p) => (
    <option key={p} value={p}>
      {p}
    </option>
  ));
}

function CustomersPanel(props: {
  data: KeysData;
  planNames: readonly string[];
  selectedId: string;
  onSelect(id: string): void;
}) {
  const { data, planNames, selectedId, onSelect } = props;
  const id = useId();
  const [name, setName] = useState('');
  const [plan, setPlan] = useState('');
  const chosenPlan = plan || planNames[0] || '';
  return (
    <Panel title="Customers">
      <form
        className="inline-form"
        aria-label="New customer"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!name.trim()) return;
          if (await data.actions.createCustomer(name.trim(), chosenPlan)) setName('');
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Customer name</label>
          <input
            id={`${id}-name`}
            value={name}
            required
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-plan`}>Plan</label>
          <select id={`${id}-plan`} value={chosenPlan} onChange={(e) => setPlan(e.target.value)}>
            <PlanOptions names={planNames} />
          </select>
        </div>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={data.pending === 'create-customer'}
        >
          Create customer
        </button>
      </form>
      <Async
        {...data.customers}
        onRetry={data.customers.reload}
        isEmpty={(rows) => rows.length === 0}
        empty={<EmptyState title="No customers yet.">Create the first one above.</EmptyState>}
      >
        {(rows) => (
          <ul className="customer-list">
            {rows.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="customer-pick"
                  aria-current={c.id === selectedId ? 'true' : undefined}
                  onClick={() => onSelect(c.id)}
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
      </Async>
    </Panel>
  );
}

function CustomerKeysPanel(props: {
  data: KeysData;
  planNames: readonly string[];
  selectedId: string;
}) {
  const { data, planNames, selectedId } = props;
  const { selected, pending, actions, keys } = data;
  const id = useId();
  const [keyName, setKeyName] = useState('');
  const [plan, setPlan] = useState('');
  useEffect(() => setPlan(selected?.plan ?? ''), [selected?.plan]);
  return (
    <Panel
      title={
        <>
          {selected?.name ?? selectedId} <span className="muted small mono">{selectedId}</span>
        </>
      }
    >
      <p>
        <Link to={`/customers/${encodeURIComponent(selectedId)}`}>Traffic of this customer →</Link>
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
            <PlanOptions names={planNames} current={plan} />
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
          <input id={`${id}-kname`} value={keyName} onChange={(e) => setKeyName(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary" disabled={pending === 'create-key'}>
          Create key
        </button>
      </form>

      {data.revealed ? (
        <SecretReveal revealed={data.revealed} onDone={actions.dismissSecret} />
      ) : null}

      <Async {...keys} onRetry={keys.reload}>
        {(rows) => (
          <KeyTable
            keys={rows}
            pending={pending}
            onRotate={actions.rotateKey}
            onRevoke={actions.revokeKey}
          />
        )}
      </Async>
    </Panel>
  );
}
