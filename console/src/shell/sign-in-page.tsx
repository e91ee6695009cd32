import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { saveSession } from '../api/session';
import type { Me } from '../api/types';
import { navigate } from '../router';
import { ErrorBox } from './ui';

interface LoginAnswer {
  access_token: { token: string; expires_at: string };
  user: { email: string };
  organizations: Array<{ org_id: string; name: string; role: Me['role'] }>;
}

/** Sign in with email and password (an access token) or with an API key; then back to `next`. */
export function SignInPage({ next }: { next: string }) {
  const [mode, setMode] = useState<'password' | 'api_key'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'password') {
        const answer = await api<LoginAnswer>('POST', '/v1/auth/login', { email, password });
        const first = answer.organizations[0] ?? null;
        saveSession({ token: answer.access_token.token, kind: 'password', org_id: first?.org_id ?? null, label: answer.user.email, role: first?.role ?? null });
      } else {
        const me = await api<Me>('GET', '/v1/me', undefined, { authorization: `Bearer ${key.trim()}` });
        saveSession({ token: key.trim(), kind: 'api_key', org_id: null, label: me.api_key?.name ?? 'API key', role: me.role });
      }
      navigate(next, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <h1>Sign in to Dagy</h1>
      <div role="tablist" aria-label="Sign-in method" className="tabs">
        <button type="button" role="tab" aria-selected={mode === 'password'} onClick={() => setMode('password')}>
          Email and password
        </button>
        <button type="button" role="tab" aria-selected={mode === 'api_key'} onClick={() => setMode('api_key')}>
          API key
        </button>
      </div>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        {mode === 'password' ? (
          <>
            <label>
              Email
              <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label>
              Password
              <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        ) : (
          <label>
            API key
            <input type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} />
          </label>
        )}
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
