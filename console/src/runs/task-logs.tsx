import { useEffect, useRef } from 'react';
import { api } from '../api/client';
import type { TaskRun } from '../api/types';
import { ErrorBox, useResource } from '../shell/ui';

interface Logs {
  content: string;
  truncated: boolean;
}

/** A task attempt's logs, re-read every second while it runs (follow), scrolled to the end. */
export function TaskLogs({ taskRun }: { taskRun: TaskRun }) {
  const running = taskRun.status === 'RUNNING' || taskRun.status === 'PENDING';
  const path = `/v1/runs/${taskRun.run_id}/task-runs/${taskRun.task_run_id}/logs`;
  const logs = useResource(path, () => api<Logs>('GET', path), { live: running, intervalMs: 1000 });
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [logs.data?.content]);
  // One last read when it finishes, so the tail is complete.
  const { reload } = logs;
  useEffect(() => {
    if (!running) void reload();
  }, [running, reload]);
  return (
    <div className="logs">
      <h3>
        Logs of {taskRun.task_name} (attempt {taskRun.attempt}){running && <span className="muted"> · following</span>}
      </h3>
      <ErrorBox error={logs.error} />
      {logs.data?.truncated && <p className="muted">Showing the last 1 MiB.</p>}
      <pre ref={pre} tabIndex={0} aria-label={`Logs of ${taskRun.task_name}`} aria-live={running ? 'polite' : 'off'}>
        {logs.data === undefined ? 'Loading…' : logs.data.content === '' ? '(no output)' : logs.data.content}
      </pre>
    </div>
  );
}
