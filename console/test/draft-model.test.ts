/** @jest-environment node */
import { addTask, connect, disconnect, edgeIssues, newTaskName, removeTask, taskIssueText, updateTask } from '../src/builder/draft-model';
import type { FlowSpec } from '../src/api/types';

const http = (name: string) => ({ name, type: 'http' as const, request: { method: 'GET', url: 'https://example.com' } });

describe('builder edits of a draft spec', () => {
  const spec: FlowSpec = { tasks: [http('a'), http('b'), http('c')], edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] };

  test('a new task gets the first free task_N name', () => {
    expect(newTaskName({ tasks: [] })).toBe('task_1');
    expect(newTaskName({ tasks: [http('task_2'), http('task_3')] })).toBe('task_4');
    expect(newTaskName({ tasks: [http('x'), http('task_3')] })).toBe('task_4');
    expect(newTaskName({ tasks: [http('x'), http('y')] })).toBe('task_3');
    expect(addTask(spec, http('d')).tasks.map((t) => t.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  test('renaming a task renames it in its edges too', () => {
    const next = updateTask(spec, 'b', { ...http('middle'), retries: 2 });
    expect(next.tasks.map((t) => t.name)).toEqual(['a', 'middle', 'c']);
    expect(next.tasks[1]!.retries).toBe(2);
    expect(next.edges).toEqual([{ from: 'a', to: 'middle' }, { from: 'middle', to: 'c' }]);
  });

  test('removing a task removes its edges', () => {
    expect(removeTask(spec, 'b')).toEqual({ tasks: [http('a'), http('c')], edges: [] });
  });

  test('connecting twice makes one edge; disconnecting removes it', () => {
    const once = connect(spec, 'a', 'c');
    expect(connect(once, 'a', 'c')).toBe(once);
    expect(once.edges).toHaveLength(3);
    expect(disconnect(once, 'a', 'c')).toEqual(spec);
  });

  test("validation issues on edges are keyed by the edge they concern; task issue text drops the task's own path", () => {
    const issues = [
      { task: 'b', path: 'flow_spec.edges[1].to', message: 'closes a cycle' },
      { task: 'a', path: 'flow_spec.tasks[0].request.url', message: 'must be an absolute http:// or https:// URL' },
      { task: null, path: 'flow_name', message: 'required to publish' },
    ];
    expect([...edgeIssues(spec, issues)]).toEqual([['b->c', ['closes a cycle']]]);
    expect(taskIssueText(issues[1]!)).toBe('request.url: must be an absolute http:// or https:// URL');
    expect(taskIssueText({ task: 'a', path: 'flow_spec.tasks[0]', message: 'duplicate name' })).toBe('duplicate name');
  });
});
