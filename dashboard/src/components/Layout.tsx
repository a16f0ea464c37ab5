import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext.js';

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/endpoints', label: 'Endpoints' },
  { to: '/customers', label: 'Customers' },
  { to: '/requests', label: 'Request log' },
  { to: '/keys', label: 'Keys & plans' },
  { to: '/alerts', label: 'Alerts' },
];

/** Carry the time window and auto-refresh across views; page-specific filters stay behind. */
function sharedQuery(search: string): string {
  const cur = new URLSearchParams(search);
  const next = new URLSearchParams();
  for (const k of ['range', 'from', 'to', 'live']) {
    const v = cur.get(k);
    if (v) next.set(k, v);
  }
  const s = next.toString();
  return s ? `?${s}` : '';
}

export function Layout() {
  const { logout } = useAuth();
  const location = useLocation();
  const q = sharedQuery(location.search);
  const navRef = useRef<HTMLElement>(null);
  // On a phone the nav scrolls sideways: keep the current view's link in sight.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the path changes
  useEffect(() => {
    const active = navRef.current?.querySelector<HTMLElement>('.nav-link.active');
    active?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }, [location.pathname]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Gatehouse</span>
        <nav aria-label="Main" className="nav" ref={navRef}>
          {NAV.map((n) => (
            <NavLink key={n.to} to={`${n.to}${q}`} end={n.end === true} className="nav-link">
              {n.label}
            </NavLink>
          ))}
        </nav>
        <button type="button" className="btn btn-quiet" onClick={() => logout()}>
          Log out
        </button>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
