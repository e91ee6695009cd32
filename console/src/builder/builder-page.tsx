import {
  applyNodeChanges,
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
  type ReactFlowInstance,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Draft, DraftIssue, FlowSpec, FlowVersion } from '../api/types';
import { NODE_TYPES, type TaskNodeData } from '../graph/dag-view';
import { layoutDag } from '../graph/layout';
import { ErrorBox, Link } from '../shell/ui';
import { addTask, asFlowSpec, connect, disconnect, edgeIssues, newTaskName, removeTask, taskIssueText, updateTask } from './draft-model';
import { ArtifactPicker, type DraftArtifact } from './artifact-picker';
import { TaskPanel } from './task-panel';

type SaveState = 'saved' | 'saving' | 'unsaved' | 'failed';
type Layout = Record<string, { x: number; y: number }>;

/**
 * The visual builder. Every edit is saved (PUT with the version read, after a short pause) and
 * then validated; the issues the API reports are drawn on the node or edge they concern.
 */
export function BuilderPage({ draftId }: { draftId: string }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [spec, setSpec] = useState<FlowSpec>({ tasks: [], edges: [] });
  const [flowName, setFlowName] = useState('');
  const [executor, setExecutor] = useState('');
  const [artifact, setArtifact] = useState<DraftArtifact>(null);
  const flow = useRef<ReactFlowInstance<Node<TaskNodeData>, Edge> | null>(null);
  const [layout, setLayout] = useState<Layout>({});
  const [nodes, setNodes] = useState<Node<TaskNodeData>[]>([]);
  const [issues, setIssues] = useState<DraftIssue[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [flowVersion, setFlowVersion] = useState('1.0.0');
  const [published, setPublished] = useState<FlowVersion | null>(null);
  const [publishError, setPublishError] = useState<unknown>(null);

  // The latest edits, read by the save loop (saves are sequential: each carries the version the previous one returned).
  const latest = useRef({ spec, flowName, layout, executor, artifact });
  latest.current = { spec, flowName, layout, executor, artifact };
  const version = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const saving = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const validate = useCallback(async () => {
    const result = await api<{ valid: boolean; errors: DraftIssue[] }>('POST', `/v1/drafts/${draftId}/validate`, {});
    setIssues(result.errors);
  }, [draftId]);

  useEffect(() => {
    api<Draft>('GET', `/v1/drafts/${draftId}`).then(
      (d) => {
        const s = asFlowSpec(d.flow_spec);
        const auto = layoutDag({ nodes: s.tasks.map((t) => t.name), edges: s.edges ?? [], fixed: d.layout });
        setDraft(d);
        setSpec(s);
        setFlowName(d.flow_name ?? '');
        setExecutor(d.default_executor ?? '');
        setArtifact(d.artifact);
        setLayout(auto);
        version.current = d.version;
        void validate().catch(() => undefined);
      },
      (e: unknown) => setLoadError(e),
    );
  }, [draftId, validate]);

  const saveNow = useCallback(async (): Promise<void> => {
    if (saving.current !== null) {
      again.current = true;
      return saving.current;
    }
    if (draft === null) return;
    const run = async () => {
      do {
        again.current = false;
        setSaveState('saving');
        const { spec: s, flowName: f, layout: l, executor: x, artifact: a } = latest.current;
        const names = new Set(s.tasks.map((t) => t.name));
        const body = {
          name: draft.name,
          description: draft.description,
          flow_name: f.trim() === '' ? null : f.trim(),
          namespace: draft.namespace,
          tags: draft.tags,
          default_executor: x === '' ? null : x,
          artifact: a,
          flow_spec: s,
          layout: Object.fromEntries(Object.entries(l).filter(([k]) => names.has(k))),
          version: version.current,
        };
        try {
          const answer = await api<Draft>('PUT', `/v1/drafts/${draftId}`, body);
          version.current = answer.version;
          setSaveError(null);
          await validate();
        } catch (e) {
          setSaveError(e);
          setSaveState('failed');
          return;
        }
      } while (again.current);
      setSaveState('saved');
    };
    saving.current = run().finally(() => (saving.current = null));
    return saving.current;
  }, [draft, draftId, validate]);

  const changed = useCallback(() => {
    setSaveState('unsaved');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void saveNow(), 400);
  }, [saveNow]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const editSpec = (next: FlowSpec) => {
    latest.current.spec = next;
    setSpec(next);
    changed();
  };

  const taskIssues = useMemo(() => {
    const map = new Map<string, DraftIssue[]>();
    for (const i of issues ?? []) if (i.task !== null) map.set(i.task, [...(map.get(i.task) ?? []), i]);
    return map;
  }, [issues]);
  const byEdge = useMemo(() => edgeIssues(spec, issues ?? []), [spec, issues]);
  const general = (issues ?? []).filter((i) => i.task === null);

  // Nodes are React Flow's state (it measures them); names, issues and selection are synced in.
  useEffect(() => {
    setNodes((previous) =>
      spec.tasks.map((t, index) => {
        const old = previous.find((n) => n.id === t.name);
        return {
          ...(old ?? {}),
          id: t.name,
          type: 'task',
          position: old?.position ?? layout[t.name] ?? { x: 40 + index * 40, y: 40 + index * 90 },
          selected: t.name === selected,
          data: { label: t.name, status: t.type, issues: (taskIssues.get(t.name) ?? []).map(taskIssueText), selected: t.name === selected },
        };
      }),
    );
  }, [spec, layout, taskIssues, selected]);

  const edges: Edge[] = (spec.edges ?? []).map((e) => {
    const id = `${e.from}->${e.to}`;
    const problems = byEdge.get(id);
    return {
      id,
      source: e.from,
      target: e.to,
      selected: id === selectedEdge,
      markerEnd: { type: MarkerType.ArrowClosed },
      className: problems ? 'edge-issue' : undefined,
      label: problems ? `⚠ ${problems.join('; ')}` : undefined,
      ariaLabel: `${e.from} to ${e.to}${problems ? `: ${problems.join('; ')}` : ''}`,
    };
  });

  const onNodesChange = (changes: NodeChange<Node<TaskNodeData>>[]) => {
    setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), ns));
    let moved = false;
    for (const c of changes) {
      if (c.type === 'select' && c.selected) {
        setSelected(c.id);
        setSelectedEdge(null);
      }
      if (c.type === 'position' && c.position && c.dragging === false) moved = true;
      if (c.type === 'position' && c.position) {
        const position = c.position;
        latest.current.layout = { ...latest.current.layout, [c.id]: position };
        setLayout((l) => ({ ...l, [c.id]: position }));
      }
      if (c.type === 'remove') {
        editSpec(removeTask(latest.current.spec, c.id));
        if (selected === c.id) setSelected(null);
      }
    }
    if (moved) changed();
  };
  const onEdgesChange = (changes: EdgeChange[]) => {
    for (const c of changes) {
      if (c.type === 'select') setSelectedEdge(c.selected ? c.id : null);
      if (c.type === 'remove') {
        const [from, to] = c.id.split('->') as [string, string];
        editSpec(disconnect(latest.current.spec, from, to));
      }
    }
  };
  const onConnect = (c: Connection) => {
    if (c.source && c.target && c.source !== c.target) editSpec(connect(latest.current.spec, c.source, c.target));
  };

  const add = () => {
    const name = newTaskName(spec);
    const maxY = Math.max(0, ...Object.values(layout).map((p) => p.y));
    const position = { x: 40 + (spec.tasks.length % 3) * 220, y: spec.tasks.length === 0 ? 40 : maxY + (spec.tasks.length % 3 === 0 ? 100 : 0) };
    latest.current.layout = { ...latest.current.layout, [name]: position };
    setLayout((l) => ({ ...l, [name]: position }));
    // A new task calls the API's health check: valid and runnable as it is, ready to be edited.
    // A minute's timeout keeps a chain of them within the lambda executor's 15-minute cap.
    editSpec(addTask(spec, { name, type: 'http', request: { method: 'GET', url: `${location.origin}/v1/health` }, timeout_seconds: 60 }));
    setSelected(name);
    setTimeout(() => void flow.current?.fitView({ padding: 0.2, maxZoom: 1 }), 50);
  };

  const autoLayout = () => {
    const next = layoutDag({ nodes: spec.tasks.map((t) => t.name), edges: spec.edges ?? [] });
    latest.current.layout = next;
    setLayout(next);
    setNodes((ns) => ns.map((n) => ({ ...n, position: next[n.id] ?? n.position })));
    changed();
    setTimeout(() => void flow.current?.fitView({ padding: 0.2, maxZoom: 1 }), 50);
  };

  const publish = async () => {
    setPublishError(null);
    setPublished(null);
    try {
      clearTimeout(timer.current);
      await saveNow();
      const flow = await api<FlowVersion>('POST', `/v1/drafts/${draftId}/publish`, { flow_version: flowVersion.trim() });
      setPublished(flow);
    } catch (e) {
      setPublishError(e);
    }
  };

  if (loadError) return <ErrorBox error={loadError} />;
  if (draft === null) return <p aria-busy="true">Loading draft…</p>;
  const task = selected === null ? undefined : spec.tasks.find((t) => t.name === selected);
  return (
    <section className="builder">
      <div className="title-row">
        <h1>Builder: {draft.name || 'draft'}</h1>
        <span className={`save-state save-${saveState}`} role="status" aria-live="polite">
          {saveState === 'saved' ? 'All changes saved' : saveState === 'saving' ? 'Saving…' : saveState === 'unsaved' ? 'Unsaved changes' : 'Not saved'}
        </span>
      </div>
      <div className="toolbar">
        <label>
          Flow name
          <input
            value={flowName}
            onChange={(e) => {
              latest.current.flowName = e.target.value;
              setFlowName(e.target.value);
              changed();
            }}
          />
        </label>
        <label>
          Default executor
          <select
            value={executor}
            onChange={(e) => {
              latest.current.executor = e.target.value;
              setExecutor(e.target.value);
              changed();
            }}
          >
            <option value="">organization default</option>
            <option value="lambda">lambda</option>
            <option value="step-functions">step-functions</option>
            <option value="ecs">ecs</option>
          </select>
        </label>
        <button type="button" onClick={add}>
          Add task
        </button>
        <button type="button" onClick={autoLayout} disabled={spec.tasks.length === 0}>
          Auto layout
        </button>
        <label>
          Version to publish
          <input value={flowVersion} onChange={(e) => setFlowVersion(e.target.value)} />
        </label>
        <button type="button" className="primary" onClick={() => void publish()} disabled={issues === null || issues.length > 0 || saveState !== 'saved'}>
          Publish
        </button>
      </div>
      <ErrorBox error={saveError} />
      <ErrorBox error={publishError} />
      {published && (
        <p role="status" className="ok">
          Published {published.flow_name} {published.flow_version}.{' '}
          <Link to={`/flows/${encodeURIComponent(published.flow_name)}/${encodeURIComponent(published.flow_version)}`}>Open it to run it</Link>
        </p>
      )}
      <div className="validation" aria-live="polite">
        {issues === null ? null : issues.length === 0 ? (
          <p className="ok">The draft is valid.</p>
        ) : (
          <p className="error-text">
            {issues.length} problem{issues.length === 1 ? '' : 's'} to fix before publishing
            {general.length > 0 && `: ${general.map((i) => `${i.path} ${i.message}`).join('; ')}`}
          </p>
        )}
      </div>
      <div className="builder-body">
        <div className="dag builder-canvas" role="application" aria-label="Draft graph: drag from a task's right handle to another task to connect them; Delete removes the selection">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onInit={(instance) => (flow.current = instance)}
            deleteKeyCode={['Delete']}
            fitView
            fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
            minZoom={0.2}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        {task ? (
          <TaskPanel
            key={spec.tasks.indexOf(task)}
            spec={spec}
            task={task}
            issues={taskIssues.get(task.name) ?? []}
            onChange={(next) => {
              if (next.name !== task.name) {
                const pos = latest.current.layout[task.name];
                if (pos) latest.current.layout = { ...latest.current.layout, [next.name]: pos };
                setLayout(latest.current.layout);
                setNodes((ns) => ns.map((n) => (n.id === task.name ? { ...n, id: next.name } : n)));
                setSelected(next.name);
              }
              editSpec(updateTask(spec, task.name, next));
            }}
            onToggleUpstream={(from, on) => editSpec(on ? connect(spec, from, task.name) : disconnect(spec, from, task.name))}
            onDelete={() => {
              editSpec(removeTask(spec, task.name));
              setSelected(null);
            }}
          />
        ) : (
          <aside className="panel task-panel" aria-label="Tasks">
            <p className="muted">Select a task to edit it, or add one.</p>
            <p className="muted">{spec.tasks.length} tasks, {(spec.edges ?? []).length} connections.</p>
            {/* The keyboard way to a task's properties, besides focusing its node. */}
            {spec.tasks.map((t) => (
              <button type="button" key={t.name} onClick={() => setSelected(t.name)}>
                Edit {t.name}
                {taskIssues.has(t.name) ? ' (has problems)' : ''}
              </button>
            ))}
          </aside>
        )}
      </div>
      <ArtifactPicker
        artifact={artifact}
        onChange={(next) => {
          latest.current.artifact = next;
          setArtifact(next);
          changed();
        }}
      />
    </section>
  );
}
