import { useCallback, useEffect, useRef, useState } from 'react';
import { type AppError, normaliseError } from '../api/errors.js';

export interface Remote<T> {
  data: T | undefined;
  error: AppError | undefined;
  /** True while a load runs; `data` keeps the previous answer meanwhile (no flicker). */
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` whenever `key` changes (or `reload()` is called), cancelling the previous run.
 * Feature hooks build on this; components only see the ready-to-render result.
 */
export function useRemote<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
): Remote<T> {
  const loadRef = useRef(load);
  loadRef.current = load;
  const [nonce, setNonce] = useState(0);
  const [state, setState] = useState<{ data?: T; error?: AppError; loading: boolean }>({
    loading: key !== null,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: nonce is the reload trigger
  useEffect(() => {
    if (key === null) {
      setState({ loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setState({ data, loading: false });
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        const e = normaliseError(err);
        setState((s) => ({ ...s, error: e, loading: false }));
      },
    );
    return () => ctl.abort();
  }, [key, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
