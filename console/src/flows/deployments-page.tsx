import { useState } from 'react';
import { api } from '../api/client';
import { loadSession } from '../api/session';
import type { Deployment, FlowVersion, Page } from '../api/types';
import { roleAtLeast } from '../../../lambdas/catalogue/roles';
import { SchemaForm } from '../forms/schema-form';
import { ErrorBox, Link, StatusBadge, Table, useResource } from '../shell/ui';
import { startRun } from './flows-page';

function RunDeployment({ deployment, onClose }: { deployment: Deployment; onClose: () => void }) {
  const path = `/v1/flows/${encodeURIComponent(deployment.flow_name)}/versions/${encodeURIComponent(deployment.flow_version)}`;
  const flow = useResource(path, () => api<FlowVersion>('GET', path));
  return (
    <div className="panel" role="dialog" aria-label={`Run ${deployment.deployment_name}`}>
      <h2>Run {deployment.deployment_name}</h2>
      <ErrorBox error={flow.error} />
      {flow.data && (
        <SchemaForm
          schema={flow.data.flow_spec?.parameters}
          initial={deployment.parameters}
          submitLabel="Start run"
          onSubmit={(parameters) => startRun({ deployment_name: deployment.deployment_name, parameters })}
        />
      )}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

export function DeploymentsPage() {
  const list = useResource('deployments', () => api<Page<Deployment>>('GET', '/v1/deployments?limit=100'));
  const envs = useResource('environments', () => api<Page<{ env_name: string }>>('GET', '/v1/environments?limit=100'));
  const [running, setRunning] = useState<Deployment | null>(null);
  const [error, setError] = useState<unknown>(null);
  const role = loadSession()?.role ?? null;
  const canWrite = role !== null && roleAtLeast(role, 'developer');
  const act = async (d: Deployment, what: 'pause' | 'resume' | 'promote', to?: string) => {
    setError(null);
    try {
      const body = what === 'promote' ? { to_environment: to, deployment_version: d.deployment_version } : { deployment_version: d.deployment_version };
      await api('POST', `/v1/deployments/${encodeURIComponent(d.deployment_name)}/${what}`, body);
      await list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <h1>Deployments</h1>
      <ErrorBox error={list.error ?? error} />
      {running && <RunDeployment deployment={running} onClose={() => setRunning(null)} />}
      <Table
        caption="Deployments"
        rows={list.data?.items ?? []}
        rowKey={(d) => d.deployment_name}
        empty={list.loading ? 'Loading…' : 'No deployments yet.'}
        columns={[
          { header: 'Deployment', cell: (d) => d.deployment_name },
          { header: 'Flow', cell: (d) => <Link to={`/flows/${encodeURIComponent(d.flow_name)}/${encodeURIComponent(d.flow_version)}`}>{`${d.flow_name} ${d.flow_version}`}</Link> },
          { header: 'Environment', cell: (d) => d.environment },
          { header: 'Schedule', cell: (d) => d.schedule ?? '—' },
          { header: 'Status', cell: (d) => <StatusBadge status={d.status} /> },
          {
            header: 'Actions',
            cell: (d) =>
              canWrite ? (
                <span className="actions">
                  <button type="button" onClick={() => setRunning(d)}>
                    Run…
                  </button>
                  {d.status === 'PAUSED' ? (
                    <button type="button" onClick={() => void act(d, 'resume')}>
                      Resume
                    </button>
                  ) : (
                    <button type="button" onClick={() => void act(d, 'pause')}>
                      Pause
                    </button>
                  )}
                  <label>
                    <span className="sr-only">Promote {d.deployment_name} to</span>
                    <select value="" onChange={(e) => e.target.value && void act(d, 'promote', e.target.value)}>
                      <option value="">Promote to…</option>
                      {(envs.data?.items ?? [])
                        .filter((e) => e.env_name !== d.environment)
                        .map((e) => (
                          <option key={e.env_name}>{e.env_name}</option>
                        ))}
                    </select>
                  </label>
                </span>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </section>
  );
}
