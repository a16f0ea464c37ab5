import { useId, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useAuth } from './AuthContext.js';
import { readAdminUrl } from './session.js';
import { useLogin } from './useLogin.js';

/** Only same-app paths are followed after login (no open redirect through `next`). */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const id = useId();
  const { session, notice, config } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const { submit, pending, error } = useLogin();
  const [token, setToken] = useState('');
  const [adminUrl, setAdminUrl] = useState(() => readAdminUrl(config.defaultAdminUrl));

  if (session) return <Navigate to={next} replace />;

  return (
    <main className="login" id="main">
      <form
        className="login-card"
        aria-labelledby={`${id}-title`}
        onSubmit={async (e) => {
          e.preventDefault();
          if (await submit(token.trim(), adminUrl)) navigate(next, { replace: true });
        }}
      >
        <h1 id={`${id}-title`}>Gatehouse console</h1>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <label htmlFor={`${id}-token`}>Operator token</label>
        <input
          id={`${id}-token`}
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <p className="muted small">
          The value of <code>GATEHOUSE_ADMIN_TOKEN</code> (printed by <code>npm start</code>). Kept
          in this tab only.
        </p>
        <details>
          <summary>Advanced</summary>
          <label htmlFor={`${id}-admin`}>Gateway admin API URL</label>
          <input
            id={`${id}-admin`}
            type="url"
            value={adminUrl}
            onChange={(e) => setAdminUrl(e.target.value)}
          />
        </details>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={pending || token.trim() === ''}>
          {pending ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
