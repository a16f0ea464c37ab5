import { useId, useState } from 'react';
import type { RevealedSecret } from './useKeysData.js';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Shows a new key's secret exactly once; after "Done" it is gone from the page and memory. */
export function SecretReveal({ revealed, onDone }: { revealed: RevealedSecret; onDone(): void }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <section className="secret" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        {revealed.reason === 'created' ? 'New key created' : 'Key rotated'}:{' '}
        <code>{revealed.key.key_id}</code>
      </h3>
      <p>
        Copy the secret now. <strong>It will not be shown again</strong>; the gateway keeps only a
        hash.
        {revealed.reason === 'rotated'
          ? ' The old key keeps working until its grace period ends.'
          : ''}
      </p>
      <label htmlFor={`${id}-secret`}>Secret</label>
      <div className="secret-row">
        <input
          id={`${id}-secret`}
          className="mono"
          readOnly
          value={revealed.key.secret}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="new-key-secret"
        />
        <button
          type="button"
          className="btn btn-primary"
          onClick={async () => setCopied((await copyText(revealed.key.secret)) ? 'yes' : 'no')}
        >
          Copy
        </button>
      </div>
      <p aria-live="polite" className="small">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'no'
            ? 'Copy failed: select the text and copy it.'
            : ''}
      </p>
      <button type="button" className="btn" onClick={onDone}>
        Done, I stored it
      </button>
    </section>
  );
}
