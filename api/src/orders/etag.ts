/** Strong ETag of an order representation: it changes exactly when `version` changes. */
export function orderEtag(id: string, version: number): string {
  return `"${id}.v${version}"`;
}

/**
 * RFC 9110 If-Match: `*` matches any current representation; otherwise one of the listed
 * entity tags must equal the current one (strong comparison, so weak tags never match).
 */
export function ifMatchSatisfied(header: string | undefined, current: string): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value === '*') return true;
  return value
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === current);
}

/** RFC 9110 If-None-Match for GET: weak comparison (`W/` ignored), `*` matches. */
export function ifNoneMatchHit(header: string | undefined, current: string): boolean {
  if (header === undefined) return false;
  const value = header.trim();
  if (value === '*') return true;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return value.split(',').some((t) => strip(t) === strip(current));
}
