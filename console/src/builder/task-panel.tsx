import type { DraftIssue, FlowSpec, TaskSpec } from '../api/types';
import { taskIssueText } from './draft-model';

const TRIGGER_RULES = ['all_success', 'all_done', 'one_success', 'one_failed', 'none_failed'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function optionalNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** Without undefined fields: the spec sent to the API holds only what was set. */
function clean(task: TaskSpec): TaskSpec {
  return Object.fromEntries(Object.entries(task).filter(([, v]) => v !== undefined)) as unknown as TaskSpec;
}

/** The side panel: a selected task's properties, its upstream tasks (the keyboard way to connect), its issues. */
export function TaskPanel(props: {
  spec: FlowSpec;
  task: TaskSpec;
  issues: DraftIssue[];
  onChange: (next: TaskSpec) => void;
  onToggleUpstream: (from: string, on: boolean) => void;
  onDelete: () => void;
}) {
  const { task, onChange } = props;
  const set = (patch: Partial<TaskSpec>) => onChange(clean({ ...task, ...patch }));
  const upstream = new Set((props.spec.edges ?? []).filter((e) => e.to === task.name).map((e) => e.from));
  return (
    <aside className="panel task-panel" aria-label={`Task ${task.name}`}>
      <h2>Task {task.name}</h2>
      {props.issues.length > 0 && (
        <ul className="issues" aria-label="Problems with this task">
          {props.issues.map((i, n) => (
            <li key={n}>{taskIssueText(i)}</li>
          ))}
        </ul>
      )}
      <label>
        Name
        <input value={task.name} onChange={(e) => set({ name: e.target.value })} />
      </label>
      <label>
        Type
        <select
          value={task.type}
          onChange={(e) =>
            e.target.value === 'http'
              ? set({ type: 'http', handler: undefined, request: task.request ?? { method: 'GET', url: '' } })
              : set({ type: 'code', request: undefined, handler: task.handler ?? '' })
          }
        >
          <option value="code">code</option>
          <option value="http">http</option>
        </select>
      </label>
      {task.type === 'code' ? (
        <label>
          Handler
          <input value={task.handler ?? ''} placeholder="tasks/module.mjs:run" onChange={(e) => set({ handler: e.target.value })} />
        </label>
      ) : (
        <>
          <label>
            Method
            <select value={task.request?.method ?? 'GET'} onChange={(e) => set({ request: { ...(task.request ?? { url: '' }), method: e.target.value } })}>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            URL
            <input value={task.request?.url ?? ''} onChange={(e) => set({ request: { ...(task.request ?? { method: 'GET' }), url: e.target.value } })} />
          </label>
        </>
      )}
      <label>
        Executor
        <select value={task.executor ?? ''} onChange={(e) => set({ executor: e.target.value === '' ? undefined : (e.target.value as 'lambda' | 'ecs') })}>
          <option value="">default</option>
          <option value="lambda">lambda</option>
          <option value="ecs">ecs</option>
        </select>
      </label>
      <label>
        Retries
        <input type="number" min={0} value={task.retries ?? ''} onChange={(e) => set({ retries: optionalNumber(e.target.value) })} />
      </label>
      <label>
        Timeout (seconds)
        <input type="number" min={1} value={task.timeout_seconds ?? ''} onChange={(e) => set({ timeout_seconds: optionalNumber(e.target.value) })} />
      </label>
      <label>
        Trigger rule
        <select value={task.trigger_rule ?? ''} onChange={(e) => set({ trigger_rule: e.target.value === '' ? undefined : e.target.value })}>
          <option value="">all_success (default)</option>
          {TRIGGER_RULES.slice(1).map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        Secrets (comma-separated names)
        <input
          value={(task.secrets ?? []).join(', ')}
          onChange={(e) => {
            const names = e.target.value.split(',').map((s) => s.trim()).filter(Boolean);
            set({ secrets: names.length === 0 ? undefined : names });
          }}
        />
      </label>
      <fieldset>
        <legend>Runs after</legend>
        {props.spec.tasks.filter((t) => t.name !== task.name).length === 0 && <p className="muted">No other task yet.</p>}
        {props.spec.tasks
          .filter((t) => t.name !== task.name)
          .map((t) => (
            <label key={t.name} className="inline">
              <input type="checkbox" checked={upstream.has(t.name)} onChange={(e) => props.onToggleUpstream(t.name, e.target.checked)} /> {t.name}
            </label>
          ))}
      </fieldset>
      <button type="button" className="danger" onClick={props.onDelete}>
        Delete task
      </button>
    </aside>
  );
}
