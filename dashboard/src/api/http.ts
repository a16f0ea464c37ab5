import { AppError, errorFromStatus, normaliseError } from './errors.js';

export type QueryValue = string | number | boolean | undefined | null;
export type Query = Record<string, QueryValue>;

/** A client bound to one base URL and the operator token; request functions take one. */
export interface HttpClient {
  request<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options?: { query?: Query; body?: unknown; signal?: AbortSignal },
  ): Promise<T>;
}

export interface HttpClientOptions {
  baseUrl: string;
  token: string;
  /** Called on every 401 so the app can drop the token and go back to login. */
  onUnauthorized: () => void;
  fetchImpl?: typeof fetch;
  /** Names the service in "cannot reach" errors, with a hint on what to check. */
  unreachable?: string;
}

export function toQueryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetchImpl ?? ((input, init) => fetch(input, init));
  return {
    async request<T>(
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      path: string,
      opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
    ): Promise<T> {
      const headers: Record<string, string> = {
        accept: 'application/json',
        authorization: `Bearer ${options.token}`,
      };
      const init: RequestInit = { method, headers };
      if (opts.body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(opts.body);
      }
      if (opts.signal) init.signal = opts.signal;
      let res: Response;
      try {
        res = await doFetch(`${base}${path}${toQueryString(opts.query)}`, init);
      } catch (err) {
        const e = normaliseError(err);
        if (e.kind === 'network' && options.unreachable) {
          throw new AppError('network', `${options.unreachable} (${e.message})`);
        }
        throw e;
      }
      const text = await res.text().catch(() => '');
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          if (res.ok)
            throw new AppError('invalid_response', 'The server sent something that is not JSON.');
        }
      }
      if (!res.ok) {
        const err = errorFromStatus(res.status, body);
        if (err.kind === 'unauthorized') options.onUnauthorized();
        throw err;
      }
      return body as T;
    },
  };
}

/** Lists come as `{items: [...]}` (the project's list shape); a bare array is accepted too. */
export function asItems<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  if (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { items?: unknown }).items)
  ) {
    return (body as { items: T[] }).items;
  }
  return [];
}
