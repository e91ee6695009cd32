import { validateFlowSpec } from '../../../lambdas/engine';
import { issuesByTask } from '../../../lambdas/flows/draft-issues';

const http = { method: 'GET', url: 'https://example.com' };

function mapped(spec: unknown) {
  const result = validateFlowSpec(spec);
  if (result.ok) throw new Error('expected issues');
  return issuesByTask(spec, result.issues);
}

describe('issuesByTask', () => {
  it('maps task issues to the task, edge ends to the task they name', () => {
    expect(mapped({ tasks: [{ name: 'a', type: 'http', request: http }, { name: 'b', type: 'http' }] })).toEqual([
      { task: 'b', path: 'flow_spec.tasks[1].request', message: 'required for http tasks' },
    ]);
    const spec = { tasks: [{ name: 'a', type: 'http', request: http }], edges: [{ from: 'ghost', to: 'a' }, { from: 'a', to: 'a' }] };
    expect(mapped(spec)).toEqual([
      { task: 'a', path: 'flow_spec.edges[0].from', message: "unknown task 'ghost'" },
      { task: 'a', path: 'flow_spec.edges[1]', message: "self-edge: 'a' -> 'a'" },
    ]);
  });

  it('leaves whole-spec issues and unnamed tasks without a task', () => {
    expect(mapped({ tasks: [] })).toEqual([{ task: null, path: 'flow_spec.tasks', message: 'at least one task is required' }]);
    expect(mapped({ tasks: [{ type: 'http', request: http }] })[0]).toMatchObject({ task: null, path: 'flow_spec.tasks[0].name' });
    expect(mapped({ tasks: [{ name: 'a', type: 'http', request: http }], outputs: { o: 'zz' } })[0]).toMatchObject({ task: null, path: 'flow_spec.outputs.o' });
    expect(mapped('not a spec')[0]).toMatchObject({ task: null });
  });
});
