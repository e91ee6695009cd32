import { useState } from 'react';
import { api, query } from '../api/client';
import { RUN_STATUSES, TRIGGER_TYPES, type Page, type Run } from '../api/types';
import { rememberRunFlows } from './flow-spec-cache';
import { formatTime, duration, ErrorBox, Link, StatusBadge, Table, useResource } from '../shell/ui';

const SINCE: Array<{ label: string; ms: number | null }> = [
  { label: 'Any time', ms: null },
  { label: 'Last hour', ms: 3600_000 },
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
];

/** Runs, newest first, with filters; status, flow and deployment are the API's, trigger and time are applied here. */
export function RunsPage() {
  const [status, setStatus] = useState('');
  const [flow, setFlow] = useState('');
  const [deployment, setDeployment] = useState('');
  const [trigger, setTrigger] = useState('');
  const [since, setSince] = useState(0);
  const [live, setLive] = useState(true);
  const path = `/v1/runs${query({ status, flow_name: flow.trim(), deployment_name: deployment.trim(), limit: 100 })}`;
  const runs = useResource(
    path,
    async () => {
      const page = await api<Page<Run>>('GET', path);
      rememberRunFlows(page.items);
      return page;
    },
    { live, intervalMs: 2000 },
  );
  const sinceMs = SINCE[since]!.ms;
  const rows = (runs.data?.items ?? []).filter(
    (r) => (trigger === '' || r.trigger.type === trigger) && (sinceMs === null || Date.parse(r.created_at) >= Date.now() - sinceMs),
  );
  return (
    <section>
      <h1>Runs</h1>
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Flow
          <input value={flow} onChange={(e) => setFlow(e.target.value)} placeholder="flow name" />
        </label>
        <label>
          Deployment
          <input value={deployment} onChange={(e) => setDeployment(e.target.value)} placeholder="deployment name" />
        </label>
        <label>
          Trigger
          <select value={trigger} onChange={(e) => setTrigger(e.target.value)}>
            <option value="">Any</option>
            {TRIGGER_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Created
          <select value={since} onChange={(e) => setSince(Number(e.target.value))}>
            {SINCE.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live refresh
        </label>
      </form>
      <ErrorBox error={runs.error} />
      {runs.loading && runs.data === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <Table
          caption="Runs"
          rows={rows}
          rowKey={(r) => r.run_id}
          empty="No runs match."
          columns={[
            { header: 'Run', cell: (r) => <Link to={`/runs/${r.run_id}`}>{r.run_slug}</Link> },
            { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
            { header: 'Flow', cell: (r) => `${r.flow_name} ${r.flow_version}` },
            { header: 'Deployment', cell: (r) => r.deployment_name ?? '—' },
            { header: 'Trigger', cell: (r) => r.trigger.type },
            { header: 'Created', cell: (r) => formatTime(r.created_at) },
            { header: 'Duration', cell: (r) => duration(r.started_at, r.completed_at) },
          ]}
        />
      )}
    </section>
  );
}
