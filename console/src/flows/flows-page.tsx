import { useMemo, useState } from 'react';
import { api, query } from '../api/client';
import { loadSession } from '../api/session';
import type { FlowVersion, Page, Run } from '../api/types';
import { roleAtLeast } from '../../../lambdas/catalogue/roles';
import { SchemaForm } from '../forms/schema-form';
import { DagView } from '../graph/dag-view';
import { navigate } from '../router';
import { rememberRunFlows } from '../runs/flow-spec-cache';
import { ErrorBox, formatTime, Link, StatusBadge, Table, useResource } from '../shell/ui';

export function FlowsPage() {
  const [namespace, setNamespace] = useState('');
  const path = `/v1/flows${query({ namespace: namespace.trim(), limit: 100 })}`;
  const flows = useResource(path, () => api<Page<FlowVersion>>('GET', path));
  return (
    <section>
      <h1>Flows</h1>
      <form className="filters" aria-label="Filter flows" onSubmit={(e) => e.preventDefault()}>
        <label>
          Namespace
          <input value={namespace} onChange={(e) => setNamespace(e.target.value)} placeholder="e.g. data/ingestion" />
        </label>
      </form>
      <ErrorBox error={flows.error} />
      <Table
        caption="Flow versions"
        rows={flows.data?.items ?? []}
        rowKey={(f) => `${f.flow_name}@${f.flow_version}`}
        empty={flows.loading ? 'Loading…' : 'No flows registered yet.'}
        columns={[
          { header: 'Flow', cell: (f) => <Link to={`/flows/${encodeURIComponent(f.flow_name)}/${encodeURIComponent(f.flow_version)}`}>{f.flow_name}</Link> },
          { header: 'Version', cell: (f) => f.flow_version },
          { header: 'Namespace', cell: (f) => f.namespace || '—' },
          { header: 'Status', cell: (f) => <StatusBadge status={f.status} /> },
          { header: 'Registered', cell: (f) => formatTime(f.created_at) },
        ]}
      />
    </section>
  );
}

/** Starts a run and opens its page. */
export async function startRun(body: Record<string, unknown>): Promise<void> {
  const run = await api<Run>('POST', '/v1/runs', body);
  rememberRunFlows([run]);
  navigate(`/runs/${run.run_id}`);
}

export function FlowVersionPage({ flowName, flowVersion }: { flowName: string; flowVersion: string }) {
  const path = `/v1/flows/${encodeURIComponent(flowName)}/versions/${encodeURIComponent(flowVersion)}`;
  const flow = useResource(path, () => api<FlowVersion>('GET', path));
  const versionsPath = `/v1/flows/${encodeURIComponent(flowName)}/versions`;
  const versions = useResource(versionsPath, () => api<Page<FlowVersion>>('GET', versionsPath));
  const spec = flow.data?.flow_spec;
  const tasks = useMemo(() => spec?.tasks.map((t) => t.name) ?? [], [spec]);
  const edges = useMemo(() => spec?.edges ?? [], [spec]);
  const role = loadSession()?.role ?? null;
  if (flow.error) return <ErrorBox error={flow.error} />;
  if (flow.data === undefined || spec === undefined) return <p aria-busy="true">Loading flow…</p>;
  return (
    <section>
      <h1>
        {flowName} {flowVersion} <StatusBadge status={flow.data.status} />
      </h1>
      <p className="muted">
        Other versions:{' '}
        {(versions.data?.items ?? []).map((v) => (
          <span key={v.flow_version}>
            <Link to={`/flows/${encodeURIComponent(flowName)}/${encodeURIComponent(v.flow_version)}`}>{v.flow_version}</Link>{' '}
          </span>
        ))}
      </p>
      <h2>Graph</h2>
      <DagView label={`Tasks of ${flowName} ${flowVersion}`} tasks={tasks} edges={edges} />
      <div className="two-col">
        {role !== null && roleAtLeast(role, 'developer') && (
          <div>
            <h2>Run with parameters</h2>
            <SchemaForm schema={spec.parameters} submitLabel="Start run" onSubmit={(parameters) => startRun({ flow_name: flowName, flow_version: flowVersion, parameters })} />
          </div>
        )}
        <div>
          <h2>Spec</h2>
          <pre className="json" tabIndex={0}>
            {JSON.stringify(spec, null, 2)}
          </pre>
        </div>
      </div>
    </section>
  );
}
