/** Links between views keep the time window (and auto-refresh) of the current URL. */
function carry(search: string, extra: Record<string, string>): string {
  const cur = new URLSearchParams(search);
  const next = new URLSearchParams();
  for (const k of ['range', 'from', 'to', 'live']) {
    const v = cur.get(k);
    if (v) next.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== '') next.set(k, v);
  const s = next.toString();
  return s ? `?${s}` : '';
}

/** Route templates contain slashes and braces, so they travel in the query string. */
export function endpointHref(method: string, route: string, search: string): string {
  return `/endpoints/view${carry(search, { method, route })}`;
}

export function customerHref(customerId: string, search: string): string {
  return `/customers/${encodeURIComponent(customerId)}${carry(search, {})}`;
}

export function requestHref(requestId: string, search: string): string {
  return `/requests/${encodeURIComponent(requestId)}${carry(search, {})}`;
}

export function requestLogHref(search: string, filters: Record<string, string>): string {
  return `/requests${carry(search, filters)}`;
}

/** A list page with the current window. */
export function listHref(path: string, search: string): string {
  return `${path}${carry(search, {})}`;
}
