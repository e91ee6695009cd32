import type { FlowSpec, FlowSpecSchemaOutput, ValidationIssue } from '../../../lambdas/engine';
import { FlowSpecError, parseFlowSpec, validateFlowSpec } from '../../../lambdas/engine';
import { codeTask } from './spec-builders';

function issuesOf(input: unknown, pathPrefix?: string): ValidationIssue[] {
  const result = validateFlowSpec(input, pathPrefix === undefined ? {} : { pathPrefix });
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.issues;
}

/** A valid spec with one task changed by `patch`, for single-field error cases. */
function withTask(patch: Record<string, unknown>, index = 1): unknown {
  const tasks: Record<string, unknown>[] = [{ ...codeTask('a') }, { ...codeTask('b') }];
  tasks[index] = { ...tasks[index], ...patch };
  return { tasks, edges: [{ from: 'a', to: 'b' }] };
}

const designExample = {
  parameters: { type: 'object', properties: { day: { type: 'string' } } },
  tasks: [
    {
      name: 'extract', type: 'code', handler: 'tasks/extract.js:run', executor: 'lambda', retries: 2,
      retry_delay_seconds: 1, retry_backoff: 2, timeout_seconds: 60, parameters: { limit: 10 }, secrets: ['API_TOKEN'],
    },
    { name: 'transform', type: 'code', handler: 'tasks/transform.js:run' },
    {
      name: 'notify', type: 'http', trigger_rule: 'all_done',
      request: { method: 'POST', url: 'https://example.com/hook', body: { run: 'done' } },
    },
  ],
  edges: [{ from: 'extract', to: 'transform' }, { from: 'transform', to: 'notify' }],
  outputs: { rows: 'transform.rows' },
};

describe('validateFlowSpec: valid specs', () => {
  it('accepts the registration example of docs/flow-spec.md and fills in every default', () => {
    const result = validateFlowSpec(designExample);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const [extract, transform, notify] = result.spec.tasks;
    expect(extract).toMatchObject({ retries: 2, retry_backoff: 2, timeout_seconds: 60, secrets: ['API_TOKEN'] });
    expect(transform).toEqual({
      name: 'transform', type: 'code', handler: 'tasks/transform.js:run', executor: 'lambda', retries: 0,
      retry_delay_seconds: 1, retry_backoff: 1, retry_max_delay_seconds: 3600, retry_jitter: false,
      timeout_seconds: 300, trigger_rule: 'all_success', parameters: {}, secrets: [],
    });
    expect(notify).toMatchObject({
      type: 'http', trigger_rule: 'all_done',
      request: { method: 'POST', url: 'https://example.com/hook', headers: {}, body: { run: 'done' } },
    });
    expect(result.spec.parameters).toEqual(designExample.parameters);
    expect(result.spec.outputs).toEqual({ rows: 'transform.rows' });
  });

  it('defaults omitted edges and outputs to empty, and re-validates its own output unchanged', () => {
    const first = parseFlowSpec({ tasks: [codeTask('only')] });
    expect(first.edges).toEqual([]);
    expect(first.outputs).toEqual({});
    expect(parseFlowSpec(first)).toEqual(first);
  });

  it('accepts exactly 2000 tasks', () => {
    const tasks = Array.from({ length: 2000 }, (_, i) => codeTask(`t${i}`));
    expect(validateFlowSpec({ tasks }).ok).toBe(true);
  });

  it('accepts task names with dots and dashes, and outputs resolved by the longest task name', () => {
    const spec = { tasks: [codeTask('load.v2-final'), codeTask('load')], outputs: { x: 'load.v2-final.rows.0' } };
    expect(validateFlowSpec(spec).ok).toBe(true);
  });

  it('has a schema output type that is a FlowSpec', () => {
    const asFlowSpec = (value: FlowSpecSchemaOutput): FlowSpec => value; // compile-time check
    expect(asFlowSpec({ tasks: [codeTask('a')] }).tasks).toHaveLength(1);
  });
});

describe('validateFlowSpec: structure', () => {
  it.each<[string, unknown, ValidationIssue]>([
    ['not an object', null, { path: 'flow_spec', message: 'must be an object, not null' }],
    ['missing tasks', { edges: [] }, { path: 'flow_spec.tasks', message: 'required' }],
    ['no task', { tasks: [] }, { path: 'flow_spec.tasks', message: 'at least one task is required' }],
    ['unknown top-level field', { tasks: [codeTask('a')], extra: 1 }, { path: 'flow_spec.extra', message: 'unknown field' }],
    ['unknown task field', withTask({ colour: 'red' }), { path: 'flow_spec.tasks[1].colour', message: 'unknown field' }],
    ['edges not an array', { tasks: [codeTask('a')], edges: 'a>b' }, { path: 'flow_spec.edges', message: 'must be an array, not string' }],
    ['edge end not a string', { tasks: [codeTask('a')], edges: [{ from: 'a', to: 3 }] }, { path: 'flow_spec.edges[0].to', message: 'must be a string, not number' }],
    ['bad task type', withTask({ type: 'python' }), { path: 'flow_spec.tasks[1].type', message: 'must be one of: code, http' }],
    ['bad executor', withTask({ executor: 'fargate' }), { path: 'flow_spec.tasks[1].executor', message: 'must be one of: lambda, ecs' }],
    ['bad trigger rule', withTask({ trigger_rule: 'any' }), { path: 'flow_spec.tasks[1].trigger_rule', message: 'must be one of: all_success, all_done, one_success, one_failed, none_failed' }],
    ['retries too high', withTask({ retries: 11 }), { path: 'flow_spec.tasks[1].retries', message: 'must be an integer between 0 and 10' }],
    ['retries negative', withTask({ retries: -1 }), { path: 'flow_spec.tasks[1].retries', message: 'must be an integer between 0 and 10' }],
    ['retries fractional', withTask({ retries: 1.5 }), { path: 'flow_spec.tasks[1].retries', message: 'must be an integer, not number' }],
    ['timeout zero', withTask({ timeout_seconds: 0 }), { path: 'flow_spec.tasks[1].timeout_seconds', message: 'must be an integer between 1 and 86400' }],
    ['timeout above a day', withTask({ timeout_seconds: 86401 }), { path: 'flow_spec.tasks[1].timeout_seconds', message: 'must be an integer between 1 and 86400' }],
    ['retry delay too long', withTask({ retry_delay_seconds: 3601 }), { path: 'flow_spec.tasks[1].retry_delay_seconds', message: 'must be a number between 0 and 3600' }],
    ['backoff below 1', withTask({ retry_backoff: 0.5 }), { path: 'flow_spec.tasks[1].retry_backoff', message: 'must be a number between 1 and 10' }],
    ['jitter not boolean', withTask({ retry_jitter: 'yes' }), { path: 'flow_spec.tasks[1].retry_jitter', message: 'must be a boolean, not string' }],
    ['name with a space', withTask({ name: 'a b' }, 0), { path: 'flow_spec.tasks[0].name', message: 'must be 1-128 characters of A-Z a-z 0-9 _ . -' }],
    ['name too long', withTask({ name: 'x'.repeat(129) }, 0), { path: 'flow_spec.tasks[0].name', message: 'must be 1-128 characters of A-Z a-z 0-9 _ . -' }],
    ['handler without export', withTask({ handler: 'tasks/b.js' }), { path: 'flow_spec.tasks[1].handler', message: "must look like 'path/module.js:exportName'" }],
    ['handler not JS', withTask({ handler: 'tasks/b.py:run' }), { path: 'flow_spec.tasks[1].handler', message: "must look like 'path/module.js:exportName'" }],
    ['absolute handler', withTask({ handler: '/etc/b.js:run' }), { path: 'flow_spec.tasks[1].handler', message: "must look like 'path/module.js:exportName'" }],
    ['handler escaping the artifact', withTask({ handler: 'a/../../b.js:run' }), { path: 'flow_spec.tasks[1].handler', message: "must look like 'path/module.js:exportName'" }],
    ['bad secret name', withTask({ secrets: ['OK', '1BAD'] }), { path: 'flow_spec.tasks[1].secrets[1]', message: 'must match [A-Za-z_][A-Za-z0-9_]*' }],
    ['non-JSON parameter deep inside', withTask({ parameters: { nested: { list: [1, () => 2] } } }), { path: 'flow_spec.tasks[1].parameters.nested.list[1]', message: 'must be JSON, not function' }],
    ['non-finite parameter', withTask({ parameters: { n: Number.NaN } }), { path: 'flow_spec.tasks[1].parameters.n', message: 'must be a finite number' }],
    ['__proto__ key', withTask({ parameters: JSON.parse('{"__proto__": {"admin": true}}') as unknown }), { path: 'flow_spec.tasks[1].parameters.__proto__', message: "'__proto__' is a reserved key" }],
    ['outputs not strings', { tasks: [codeTask('a')], outputs: { 'the rows': 1 } }, { path: 'flow_spec.outputs["the rows"]', message: 'must be a string, not number' }],
  ])('%s', (_label, input, issue) => {
    expect(issuesOf(input)).toContainEqual(issue);
  });

  it('rejects more than 2000 tasks', () => {
    const tasks = Array.from({ length: 2001 }, (_, i) => codeTask(`t${i}`));
    expect(issuesOf({ tasks })).toEqual([{ path: 'flow_spec.tasks', message: 'at most 2000 tasks are allowed' }]);
  });

  it('reports every structural issue at once', () => {
    const issues = issuesOf({ tasks: [{ name: 'a', type: 'code', handler: 'a.js:run', retries: 99, timeout_seconds: 'x' }], edges: {} });
    expect(issues.map((i) => i.path).sort()).toEqual(['flow_spec.edges', 'flow_spec.tasks[0].retries', 'flow_spec.tasks[0].timeout_seconds']);
  });
});

describe('validateFlowSpec: http requests', () => {
  const http = (request: unknown) => ({ tasks: [{ name: 'h', type: 'http', request }] });

  it.each<[string, unknown, ValidationIssue]>([
    ['missing url', { method: 'GET' }, { path: 'flow_spec.tasks[0].request.url', message: 'required' }],
    ['ftp url', { method: 'GET', url: 'ftp://x.test/a' }, { path: 'flow_spec.tasks[0].request.url', message: 'must be an absolute http:// or https:// URL' }],
    ['relative url', { method: 'GET', url: '/hook' }, { path: 'flow_spec.tasks[0].request.url', message: 'must be an absolute http:// or https:// URL' }],
    ['bad method', { method: 'HEAD', url: 'https://x.test' }, { path: 'flow_spec.tasks[0].request.method', message: 'must be one of: GET, POST, PUT, PATCH, DELETE' }],
    ['non-string header', { method: 'GET', url: 'https://x.test', headers: { 'Content-Type': 1 } }, { path: 'flow_spec.tasks[0].request.headers["Content-Type"]', message: 'must be a string, not number' }],
    ['unknown request field', { method: 'GET', url: 'https://x.test', query: {} }, { path: 'flow_spec.tasks[0].request.query', message: 'unknown field' }],
  ])('%s', (_label, request, issue) => {
    expect(issuesOf(http(request))).toContainEqual(issue);
  });

  it('accepts http and https URLs with any JSON body', () => {
    expect(validateFlowSpec(http({ method: 'PUT', url: 'http://localhost:8080/x', body: [1, { a: null }] })).ok).toBe(true);
  });
});

describe('validateFlowSpec: task rules and graph', () => {
  it.each<[string, unknown, ValidationIssue]>([
    ['code task without handler', withTask({ handler: undefined }), { path: 'flow_spec.tasks[1].handler', message: 'required for code tasks' }],
    ['code task with a request', withTask({ request: { method: 'GET', url: 'https://x.test' } }), { path: 'flow_spec.tasks[1].request', message: 'not allowed for code tasks' }],
    ['http task without request', withTask({ type: 'http', handler: undefined }), { path: 'flow_spec.tasks[1].request', message: 'required for http tasks' }],
    ['http task with a handler', withTask({ type: 'http', request: { method: 'GET', url: 'https://x.test' } }), { path: 'flow_spec.tasks[1].handler', message: 'not allowed for http tasks' }],
    ['duplicate name', withTask({ name: 'a' }), { path: 'flow_spec.tasks[1].name', message: "duplicate task name 'a' (first at tasks[0])" }],
    ['reserved name', withTask({ name: '__proto__' }), { path: 'flow_spec.tasks[1].name', message: "'__proto__' is a reserved name" }],
    ['duplicate secret', withTask({ secrets: ['A', 'B', 'A'] }), { path: 'flow_spec.tasks[1].secrets[2]', message: "duplicate secret 'A'" }],
  ])('%s', (_label, input, issue) => {
    expect(issuesOf(input)).toContainEqual(issue);
  });

  const tasks = [codeTask('a'), codeTask('b'), codeTask('c')];

  it('reports unknown edge ends, self-edges and duplicate edges at the edge', () => {
    const issues = issuesOf({
      tasks,
      edges: [{ from: 'a', to: 'zz' }, { from: 'yy', to: 'b' }, { from: 'b', to: 'b' }, { from: 'a', to: 'b' }, { from: 'a', to: 'b' }],
    });
    expect(issues).toEqual([
      { path: 'flow_spec.edges[0].to', message: "unknown task 'zz'" },
      { path: 'flow_spec.edges[1].from', message: "unknown task 'yy'" },
      { path: 'flow_spec.edges[2]', message: "self-edge: 'b' -> 'b'" },
      { path: 'flow_spec.edges[4]', message: "duplicate edge 'a' -> 'b' (first at edges[3])" },
    ]);
  });

  it('names the cycle and points at the edge that closes it', () => {
    const issues = issuesOf({
      tasks: [...tasks, codeTask('d')],
      edges: [{ from: 'd', to: 'a' }, { from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }],
    });
    expect(issues).toEqual([{ path: 'flow_spec.edges[3]', message: 'cycle: a -> b -> c -> a' }]);
  });

  it('reports a two-task cycle', () => {
    const issues = issuesOf({ tasks, edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }] });
    expect(issues).toEqual([{ path: 'flow_spec.edges[1]', message: 'cycle: a -> b -> a' }]);
  });

  it('reports outputs naming missing tasks or empty fields', () => {
    const issues = issuesOf({ tasks, outputs: { rows: 'transform.rows', ok: 'a.count', bad: 'a..x', '': 'a' } });
    expect(issues).toEqual([
      { path: 'flow_spec.outputs.rows', message: "'transform.rows' does not start with a task name" },
      { path: 'flow_spec.outputs.bad', message: "empty field name in 'a..x'" },
      { path: 'flow_spec.outputs[""]', message: 'output name must not be empty' },
    ]);
  });
});

describe('validateFlowSpec: paths and errors', () => {
  it('uses the given path prefix, or none', () => {
    expect(issuesOf(withTask({ retries: 20 }), 'body.flow_spec')[0]!.path).toBe('body.flow_spec.tasks[1].retries');
    expect(issuesOf(withTask({ retries: 20 }), '')[0]!.path).toBe('tasks[1].retries');
    expect(issuesOf(null, '')[0]!.path).toBe('');
  });

  it('parseFlowSpec throws a FlowSpecError carrying the issues', () => {
    let thrown: unknown;
    try {
      parseFlowSpec({ tasks: [] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlowSpecError);
    expect((thrown as FlowSpecError).issues).toEqual([{ path: 'flow_spec.tasks', message: 'at least one task is required' }]);
    expect((thrown as FlowSpecError).message).toContain('flow_spec.tasks: at least one task is required');
  });

  it('does not modify its input', () => {
    const input = JSON.parse(JSON.stringify(designExample)) as unknown;
    const before = JSON.stringify(input);
    parseFlowSpec(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});
