import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import { clearSession, loadSession, onSessionChange, saveSession, type Session } from '../api/session';
import type { Me } from '../api/types';
import { AuditPage, MembersPage, SchedulesPage, SecretsPage, SensorsPage } from '../admin/admin-pages';
import { BuilderPage } from '../builder/builder-page';
import { DraftsPage } from '../builder/drafts-page';
import { DeploymentsPage } from '../flows/deployments-page';
import { FlowVersionPage, FlowsPage } from '../flows/flows-page';
import { matchPath, navigate, useLocation } from '../router';
import { RunPage } from '../runs/run-page';
import { RunsPage } from '../runs/runs-page';
import { SignInPage } from './sign-in-page';
import { Link } from './ui';

const NAV: Array<{ to: string; label: string }> = [
  { to: '/runs', label: 'Runs' },
  { to: '/flows', label: 'Flows' },
  { to: '/deployments', label: 'Deployments' },
  { to: '/drafts', label: 'Builder' },
  { to: '/schedules', label: 'Schedules' },
  { to: '/sensors', label: 'Sensors' },
  { to: '/secrets', label: 'Secrets' },
  { to: '/audit', label: 'Audit' },
  { to: '/members', label: 'Members' },
];

function useSession(): Session | null {
  const [session, setSession] = useState(loadSession);
  useEffect(() => onSessionChange(() => setSession(loadSession())), []);
  return session;
}

function route(path: string): ReactNode {
  let m: Record<string, string> | null;
  if ((m = matchPath('/runs/:run_id', path))) return <RunPage key={m.run_id} runId={m.run_id!} />;
  if (matchPath('/runs', path)) return <RunsPage />;
  if ((m = matchPath('/flows/:flow_name/:flow_version', path))) return <FlowVersionPage key={path} flowName={m.flow_name!} flowVersion={m.flow_version!} />;
  if (matchPath('/flows', path)) return <FlowsPage />;
  if (matchPath('/deployments', path)) return <DeploymentsPage />;
  if ((m = matchPath('/drafts/:draft_id', path))) return <BuilderPage key={m.draft_id} draftId={m.draft_id!} />;
  if (matchPath('/drafts', path)) return <DraftsPage />;
  if (matchPath('/schedules', path)) return <SchedulesPage />;
  if (matchPath('/sensors', path)) return <SensorsPage />;
  if (matchPath('/secrets', path)) return <SecretsPage />;
  if (matchPath('/audit', path)) return <AuditPage />;
  if (matchPath('/members', path)) return <MembersPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link to="/runs">Go to runs</Link>
      </p>
    </section>
  );
}

/** The org switcher: a user token acts in any organization the user belongs to (x-dagy-org). */
function OrgSwitcher({ session }: { session: Session }) {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    api<Me>('GET', '/v1/me').then(setMe, () => undefined);
  }, [session.token, session.org_id]);
  if (me === null) return null;
  if (session.kind === 'api_key' || me.organizations.length === 0) {
    return <span className="org">{me.organization?.name ?? ''}</span>;
  }
  return (
    <label className="org">
      <span className="sr-only">Organization</span>
      <select
        value={session.org_id ?? ''}
        onChange={(e) => {
          const org = me.organizations.find((o) => o.org_id === e.target.value);
          if (org) {
            saveSession({ ...session, org_id: org.org_id, role: org.role });
            navigate('/runs');
          }
        }}
      >
        {me.organizations.map((o) => (
          <option key={o.org_id} value={o.org_id}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
    </label>
  );
}

/** Where to go after signing in: a path of this console only (never another origin). */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/runs';
}

export function App() {
  const session = useSession();
  const { path, search } = useLocation();
  useEffect(() => {
    // Read the location now, not from the render: another navigation may have happened since.
    const here = location.pathname;
    if (session === null && here !== '/signin') navigate(`/signin?next=${encodeURIComponent(here + location.search)}`, { replace: true });
    else if (session !== null && (here === '/' || here === '/signin')) navigate(safeNext(new URLSearchParams(location.search).get('next')), { replace: true });
  }, [session, path]);
  if (session === null || path === '/signin') return <SignInPage next={safeNext(search.get('next'))} />;
  const signOut = async () => {
    if (session.kind === 'password') await api('POST', '/v1/auth/logout', {}).catch(() => undefined);
    clearSession();
    navigate('/signin', { replace: true });
  };
  return (
    <div className="shell">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header>
        <Link to="/runs" className="brand">
          Dagy
        </Link>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="who">
          <OrgSwitcher session={session} />
          <span className="muted">{session.label}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route(path)}
      </main>
    </div>
  );
}
