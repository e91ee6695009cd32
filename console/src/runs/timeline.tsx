import type { TaskRun } from '../api/types';

export interface Bar {
  task: string;
  attempt: number;
  status: string;
  /** Offsets from the timeline's start, as fractions of its span (0..1). */
  left: number;
  width: number;
  label: string;
}

/**
 * The gantt of a run: one row per task in `order`, one bar per attempt from its start to its end
 * (or `nowMs` while it runs), so retries show as several bars on one row.
 */
export function timelineBars(taskRuns: TaskRun[], order: string[], nowMs: number): { bars: Bar[]; spanMs: number } {
  const started = taskRuns.filter((t) => t.started_at !== null);
  if (started.length === 0) return { bars: [], spanMs: 0 };
  const start = Math.min(...started.map((t) => Date.parse(t.started_at!)));
  const end = Math.max(...started.map((t) => (t.completed_at === null ? nowMs : Date.parse(t.completed_at))), start + 1);
  const span = end - start;
  const rank = new Map(order.map((name, i) => [name, i]));
  const bars = started
    .map((t) => {
      const s = Date.parse(t.started_at!);
      const e = t.completed_at === null ? nowMs : Date.parse(t.completed_at);
      return {
        task: t.task_name,
        attempt: t.attempt,
        status: t.status,
        left: (s - start) / span,
        width: Math.max((e - s) / span, 0.005),
        label: `${t.task_name} attempt ${t.attempt}: ${t.status}, ${((e - s) / 1000).toFixed(1)} s`,
      };
    })
    .sort((a, b) => (rank.get(a.task) ?? 1e9) - (rank.get(b.task) ?? 1e9) || a.attempt - b.attempt);
  return { bars, spanMs: span };
}

export function Timeline({ taskRuns, order }: { taskRuns: TaskRun[]; order: string[] }) {
  const { bars, spanMs } = timelineBars(taskRuns, order, Date.now());
  if (bars.length === 0) return <p className="muted">No attempt has started yet.</p>;
  const rows = order.filter((name) => bars.some((b) => b.task === name));
  return (
    <div className="timeline" role="list" aria-label={`Timeline of attempts over ${(spanMs / 1000).toFixed(1)} s`}>
      {rows.map((name) => (
        <div className="timeline-row" role="listitem" key={name}>
          <span className="timeline-name">{name}</span>
          <span className="timeline-track">
            {bars
              .filter((b) => b.task === name)
              .map((b) => (
                <span
                  key={b.attempt}
                  className={`timeline-bar status-${b.status.toLowerCase()}`}
                  style={{ left: `${b.left * 100}%`, width: `${b.width * 100}%` }}
                  title={b.label}
                  aria-label={b.label}
                >
                  {b.attempt > 1 ? `#${b.attempt}` : ''}
                </span>
              ))}
          </span>
        </div>
      ))}
      <div className="timeline-scale muted">
        <span>0 s</span>
        <span>{(spanMs / 1000).toFixed(1)} s</span>
      </div>
    </div>
  );
}
