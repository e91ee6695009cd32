import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client';
import { loadSession } from '../api/session';
import type { RunDetail } from '../api/types';
import { roleAtLeast } from '../../../lambdas/catalogue/roles';
import { DagView } from '../graph/dag-view';
import { latestAttempts } from '../graph/layout';
import { navigate } from '../router';
import { duration, ErrorBox, formatTime, Link, StatusBadge, useResource } from '../shell/ui';
import { flowSpecOf, knownRunFlow, rememberRunFlows } from './flow-spec-cache';
import { TaskLogs } from './task-logs';
import { Timeline } from './timeline';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** One run: its DAG coloured by task state, the timeline of attempts, logs, outputs; live until it ends. */
export function RunPage({ runId }: { runId: string }) {
  const [live, setLive] = useState(true);
  const run = useResource(`run:${runId}`, () => api<RunDetail>('GET', `/v1/runs/${encodeURIComponent(runId)}`), { live, intervalMs: 1000 });
  const r = run.data;
  useEffect(() => {
    if (r !== undefined && TERMINAL.has(r.status)) setLive(false);
  }, [r]);
  // The flow is known before the run is read when the console listed or started this run: the
  // spec is then fetched (or taken from the cache) at the same time as the run, not after it.
  const [known] = useState(() => knownRunFlow(runId));
  const flowOf = r ?? known;
  const specKey = flowOf ? `${flowOf.flow_name}@${flowOf.flow_version}` : '';
  const flow = useResource(specKey, () => (flowOf === undefined ? Promise.resolve(undefined) : flowSpecOf(flowOf.flow_name, flowOf.flow_version)));
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const tasks = useMemo(() => flow.data?.tasks.map((t) => t.name) ?? [], [flow.data]);
  const edges = useMemo(() => flow.data?.edges ?? [], [flow.data]);
  const latest = useMemo(() => latestAttempts(r?.task_runs ?? []), [r]);
  const ready = r !== undefined && tasks.length > 0;
  useEffect(() => {
    // The browser test reads this mark: the run page is interactive once its DAG has data.
    if (ready && performance.getEntriesByName('dagy:run-page-interactive').length === 0) performance.mark('dagy:run-page-interactive');
  }, [ready]);

  if (run.error) return <ErrorBox error={run.error} />;
  if (r === undefined) return <p aria-busy="true">Loading run…</p>;
  const role = loadSession()?.role ?? null;
  const canWrite = role !== null && roleAtLeast(role, 'developer');
  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setActionError(null);
    try {
      const answer = await api<{ run_id: string; flow_name: string; flow_version: string }>('POST', `/v1/runs/${encodeURIComponent(runId)}/${what}`, {});
      if (what === 'retry') {
        rememberRunFlows([answer]);
        navigate(`/runs/${answer.run_id}`);
      }
      else await run.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  const selectedRun = selected === null ? undefined : latest.get(selected);
  const attempts = selected === null ? [] : r.task_runs.filter((t) => t.task_name === selected).sort((a, b) => a.attempt - b.attempt);
  const counts = tasks.reduce<Record<string, number>>((acc, t) => {
    const s = latest.get(t)?.status ?? 'PENDING';
    acc[s] = (acc[s] ?? 0) + 1;
    return acc;
  }, {});

  return (
    <section className="run-page">
      <div className="title-row">
        <h1>
          Run {r.run_slug} <StatusBadge status={r.status} />
        </h1>
        <div className="actions">
          {canWrite && !TERMINAL.has(r.status) && (
            <button type="button" className="danger" disabled={busy} onClick={() => void act('cancel')}>
              Cancel run
            </button>
          )}
          {canWrite && (r.status === 'FAILED' || r.status === 'CANCELLED') && (
            <button type="button" disabled={busy} onClick={() => void act('retry')}>
              Retry run
            </button>
          )}
          <label className="inline">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
          </label>
        </div>
      </div>
      <ErrorBox error={actionError} />
      <dl className="facts">
        <dt>Flow</dt>
        <dd>
          <Link to={`/flows/${encodeURIComponent(r.flow_name)}/${encodeURIComponent(r.flow_version)}`}>
            {r.flow_name} {r.flow_version}
          </Link>
        </dd>
        <dt>Deployment</dt>
        <dd>{r.deployment_name ?? '—'}</dd>
        <dt>Trigger</dt>
        <dd>
          {r.trigger.type}
          {r.trigger.id ? ` (${r.trigger.id})` : ''}
          {r.retry_of ? (
            <>
              {' '}
              of <Link to={`/runs/${r.retry_of}`}>{r.retry_of}</Link>
            </>
          ) : null}
        </dd>
        <dt>Executor</dt>
        <dd>{r.executor}</dd>
        <dt>Created</dt>
        <dd>{formatTime(r.created_at)}</dd>
        <dt>Duration</dt>
        <dd>{duration(r.started_at, r.completed_at)}</dd>
        <dt>Cost</dt>
        <dd>{typeof r.cost_usd === 'number' ? `$${r.cost_usd.toFixed(4)}` : 'not known'}</dd>
        <dt>Tasks</dt>
        <dd aria-live="polite">
          {Object.entries(counts)
            .map(([s, n]) => `${n} ${s.toLowerCase()}`)
            .join(', ')}
        </dd>
      </dl>
      {r.error_message && (
        <p role="note" className="error">
          {r.error_message}
        </p>
      )}
      <h2>Graph</h2>
      <ErrorBox error={flow.error} />
      {tasks.length > 0 && (
        <DagView
          label={`Tasks of run ${r.run_slug}`}
          tasks={tasks}
          edges={edges}
          onSelect={setSelected}
          nodeData={(t) => {
            const tr = latest.get(t);
            return { status: tr?.status ?? 'PENDING', detail: tr && tr.attempt > 1 ? `attempt ${tr.attempt}` : undefined, selected: t === selected };
          }}
        />
      )}
      <div className="task-picker">
        <label>
          Task
          <select value={selected ?? ''} onChange={(e) => setSelected(e.target.value === '' ? null : e.target.value)}>
            <option value="">Choose a task…</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t} ({latest.get(t)?.status ?? 'PENDING'})
              </option>
            ))}
          </select>
        </label>
      </div>
      {selected !== null && (
        <div className="task-detail">
          <h2>Task {selected}</h2>
          {attempts.length === 0 ? (
            <p className="muted">Not started.</p>
          ) : (
            <ul className="attempts">
              {attempts.map((a) => (
                <li key={a.task_run_id}>
                  Attempt {a.attempt}: <StatusBadge status={a.status} /> {duration(a.started_at, a.completed_at)}
                  {a.error_message && <span className="error-text"> — {a.error_message}</span>}
                  {a.reused_from_run_id && <span className="muted"> (output reused from {a.reused_from_run_id})</span>}
                  {a.output_ref && (
                    <span className="muted">
                      {' '}
                      output: <code>{a.output_ref}</code>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
          {selectedRun !== undefined && <TaskLogs key={selectedRun.task_run_id} taskRun={selectedRun} />}
        </div>
      )}
      <h2>Timeline</h2>
      <Timeline taskRuns={r.task_runs} order={tasks} />
      <div className="two-col">
        <div>
          <h2>Parameters</h2>
          <pre className="json">{JSON.stringify(r.parameters, null, 2)}</pre>
        </div>
        <div>
          <h2>Outputs</h2>
          <pre className="json">{r.outputs === null ? (TERMINAL.has(r.status) ? 'none' : 'when the run finishes') : JSON.stringify(r.outputs, null, 2)}</pre>
        </div>
      </div>
    </section>
  );
}
