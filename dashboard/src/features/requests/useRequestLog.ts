import type { RequestEvent } from '@gatehouse/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type AppError, normaliseError } from '../../api/errors.js';
import { type RequestSearch, searchRequests } from '../../api/analytics/searchRequests.js';
import { useClients } from '../../auth/AuthContext.js';
import { type TimeWindow, windowKey } from '../../utils/timeRange.js';
import { mergeNewest } from './utils.js';

const PAGE = 50;
const TAIL_CAP = 500;

export interface RequestLog {
  items: RequestEvent[] | undefined;
  error: AppError | undefined;
  loading: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

/** The request log: first page on filter change, cursor paging, and polling when tailing. */
export function useRequestLog(
  window: TimeWindow,
  search: RequestSearch,
  tail: boolean,
  tailMs: number,
): RequestLog {
  const { analytics } = useClients();
  const key = `${windowKey(window)}|${JSON.stringify(search)}`;
  const [items, setItems] = useState<RequestEvent[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<AppError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const args = useRef({ window, search });
  args.current = { window, search };

  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for window+search; nonce reloads
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setItems(undefined);
    searchRequests(
      analytics,
      args.current.window,
      { ...args.current.search, limit: PAGE },
      ctl.signal,
    ).then(
      (page) => {
        if (ctl.signal.aborted) return;
        setItems(page.items);
        setCursor(page.next_cursor);
        setHasMore(page.has_more);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setError(normaliseError(err));
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [key, nonce, analytics]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: key restarts the tail for new filters
  useEffect(() => {
    if (!tail) return;
    let ctl: AbortController | undefined;
    const id = setInterval(() => {
      ctl?.abort();
      ctl = new AbortController();
      const signal = ctl.signal;
      searchRequests(
        analytics,
        args.current.window,
        { ...args.current.search, limit: PAGE },
        signal,
      ).then(
        (page) => {
          if (!signal.aborted) {
            setItems((shown) => mergeNewest(shown ?? [], page.items, TAIL_CAP));
            setError(undefined);
          }
        },
        (err: unknown) => {
          if (!signal.aborted) setError(normaliseError(err));
        },
      );
    }, tailMs);
    return () => {
      clearInterval(id);
      ctl?.abort();
    };
  }, [tail, tailMs, key, analytics]);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    setLoading(true);
    searchRequests(analytics, args.current.window, {
      ...args.current.search,
      limit: PAGE,
      cursor,
    }).then(
      (page) => {
        setItems((shown) => [
          ...(shown ?? []),
          ...page.items.filter((e) => !shown?.some((s) => s.request_id === e.request_id)),
        ]);
        setCursor(page.next_cursor);
        setHasMore(page.has_more);
        setLoading(false);
      },
      (err: unknown) => {
        setError(normaliseError(err));
        setLoading(false);
      },
    );
  }, [analytics, cursor]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { items, error, loading, hasMore, loadMore, reload };
}
