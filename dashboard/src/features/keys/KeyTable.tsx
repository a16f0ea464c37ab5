import { useState } from 'react';
import type { AdminKey } from '../../api/admin/types.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { KeyStateBadge } from '../../components/KeyStateBadge.js';
import { formatDate } from '../../utils/format.js';
import { keyState } from './utils.js';

/** A customer's keys; revoking asks once more in the row, since it cannot be undone. */
export function KeyTable(props: {
  keys: readonly AdminKey[];
  pending: string | null;
  onRotate(keyId: string): void;
  onRevoke(keyId: string): void;
}) {
  const { pending, onRotate, onRevoke } = props;
  const [confirming, setConfirming] = useState<string | null>(null);
  const now = Date.now();
  const columns: Column<AdminKey>[] = [
    {
      key: 'key',
      label: 'Key',
      render: (k) => (
        <div>
          <code>{k.key_id}</code>
          {k.name ? <div className="small">{k.name}</div> : null}
        </div>
      ),
    },
    { key: 'state', label: 'State', render: (k) => <KeyStateBadge state={keyState(k, now)} /> },
    {
      key: 'created',
      label: 'Created',
      className: 'nowrap',
      render: (k) => formatDate(k.created_at),
    },
    {
      key: 'expires',
      label: 'Expires',
      className: 'nowrap',
      render: (k) => (k.expires_at ? formatDate(k.expires_at) : '–'),
    },
    {
      key: 'actions',
      label: 'Actions',
      render: (k) => {
        const state = keyState(k, now);
        const live = state === 'active' || state === 'expiring';
        return (
          <div className="actions">
            {live && confirming !== k.key_id ? (
              <>
                <button
                  type="button"
                  className="btn"
                  disabled={pending === `rotate:${k.key_id}`}
                  onClick={() => onRotate(k.key_id)}
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
                  disabled={pending === `revoke:${k.key_id}`}
                  onClick={() => {
                    setConfirming(null);
                    onRevoke(k.key_id);
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
        );
      },
    },
  ];
  return (
    <DataTable
      caption="API keys"
      columns={columns}
      rows={props.keys}
      rowKey={(k) => k.key_id}
      rowData={(k) => ({ 'data-key-id': k.key_id })}
      empty="No keys yet."
    />
  );
}
