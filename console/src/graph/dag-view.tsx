import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps, type ReactFlowInstance } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef } from 'react';
import type { EdgeSpec } from '../api/types';
import { layoutDag } from './layout';

export interface TaskNodeData extends Record<string, unknown> {
  label: string;
  status?: string;
  detail?: string;
  issues?: string[];
  selected?: boolean;
}

/** A task box: its name, its state (colour and text, never colour alone) and any issues. */
export function TaskNode({ data }: NodeProps<Node<TaskNodeData>>) {
  const status = data.status ?? 'none';
  const hasIssues = (data.issues?.length ?? 0) > 0;
  return (
    <div
      className={`task-node status-${status.toLowerCase()}${hasIssues ? ' has-issues' : ''}${data.selected ? ' is-selected' : ''}`}
      data-task={data.label}
      data-status={data.status ?? ''}
      aria-label={`${data.label}${data.status ? `: ${data.status}` : ''}${hasIssues ? `: ${data.issues!.join('; ')}` : ''}`}
    >
      <Handle type="target" position={Position.Left} />
      <div className="task-name">{data.label}</div>
      {data.status !== undefined && <div className="task-status">{data.status}{data.detail ? ` · ${data.detail}` : ''}</div>}
      {hasIssues && (
        <div className="task-issues" role="note">
          {data.issues!.map((m, i) => (
            <div key={i}>⚠ {m}</div>
          ))}
        </div>
      )}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

export const NODE_TYPES = { task: TaskNode };

/** A read-only DAG (runs and flow versions): laid out by dagre, clickable nodes. */
export function DagView(props: { tasks: string[]; edges: EdgeSpec[]; nodeData?: (task: string) => Partial<TaskNodeData>; onSelect?: (task: string) => void; label: string }) {
  const positions = useMemo(() => layoutDag({ nodes: props.tasks, edges: props.edges }), [props.tasks, props.edges]);
  const flow = useRef<ReactFlowInstance<Node<TaskNodeData>, Edge> | null>(null);
  // Keep the whole graph in view when the window changes size (a phone turned, a resized window).
  useEffect(() => {
    const refit = () => void flow.current?.fitView({ padding: 0.15 });
    window.addEventListener('resize', refit);
    return () => window.removeEventListener('resize', refit);
  }, []);
  const nodes: Node<TaskNodeData>[] = props.tasks.map((name) => ({
    id: name,
    type: 'task',
    position: positions[name]!,
    data: { label: name, ...(props.nodeData?.(name) ?? {}) },
    draggable: false,
    connectable: false,
  }));
  const edges: Edge[] = props.edges.map((e) => ({ id: `${e.from}->${e.to}`, source: e.from, target: e.to, animated: props.nodeData?.(e.to).status === 'RUNNING' }));
  return (
    <div className="dag" role="figure" aria-label={props.label}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        nodesConnectable={false}
        nodesDraggable={false}
        onNodeClick={(_, node) => props.onSelect?.(node.id)}
        onInit={(instance) => (flow.current = instance)}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
