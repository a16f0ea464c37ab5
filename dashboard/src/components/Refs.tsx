import { Link } from 'react-router-dom';
import { customerHref, endpointHref } from '../utils/links.js';

/** `GET /v1/orders` as a link to its endpoint page, keeping the current time window. */
export function EndpointLink({
  method,
  route,
  search,
  fallback = '(no route)',
}: {
  method: string;
  route: string;
  search: string;
  fallback?: string;
}) {
  return (
    <Link to={endpointHref(method, route, search)}>
      <span className="method">{method}</span> {route || fallback}
    </Link>
  );
}

/** A customer id as a link to its page, with its name when known; no id means no key. */
export function CustomerRef({
  id,
  name,
  search,
}: {
  id: string;
  name?: string | undefined;
  search: string;
}) {
  if (!id) return <span className="muted">(unauthenticated)</span>;
  return (
    <span>
      <Link to={customerHref(id, search)}>{id}</Link>
      {name ? <span className="muted small"> {name}</span> : null}
    </span>
  );
}
