import { parseFlowSpec } from '../../../lambdas/engine';
import { httpTaskIssues } from '../../../lambdas/flows/http-task-checks';

const strict = { allowLoopbackHttp: false };
const spec = (...tasks: unknown[]) => parseFlowSpec({ tasks });
const http = (name: string, request: Record<string, unknown>, secrets: string[] = []) => ({ name, type: 'http', request, secrets });

test('a valid spec with templates in header values, the query string and body strings has no issue', () => {
  const flow = spec(
    { name: 'code', type: 'code', handler: 'a.js:main' },
    http('call', { method: 'POST', url: 'https://api.example.com/v1/items?day={{ parameters.day }}&key={{ secrets.KEY }}', headers: { authorization: 'Bearer {{ secrets.API_TOKEN }}' }, body: { a: ['{{ parameters.rows.0 }}'] } }, ['API_TOKEN', 'KEY']),
  );
  expect(httpTaskIssues(flow, strict)).toEqual([]);
});

test('an undeclared secret is reported with the field path where it is referenced', () => {
  const flow = spec(
    http('a', { method: 'GET', url: 'https://api.example.com/' }),
    http('b', { method: 'GET', url: 'https://api.example.com/' }),
    http('c', { method: 'POST', url: 'https://api.example.com/?k={{ secrets.QUERY_KEY }}', headers: { authorization: 'Bearer {{ secrets.API_TOKEN }}', 'x-api-key': '{{secrets.OTHER}}' }, body: { nested: [{ t: '{{ secrets.BODY }}' }] } }, ['OTHER']),
  );
  expect(httpTaskIssues(flow, strict)).toEqual([
    { path: 'flow_spec.tasks[2].request.url', message: 'references secret QUERY_KEY, which the task does not declare in its secrets' },
    { path: 'flow_spec.tasks[2].request.headers.authorization', message: 'references secret API_TOKEN, which the task does not declare in its secrets' },
    { path: 'flow_spec.tasks[2].request.body.nested[0].t', message: 'references secret BODY, which the task does not declare in its secrets' },
  ]);
});

test('anything but secrets.NAME and parameters.path is refused: no code in templates', () => {
  const flow = spec(http('a', { method: 'GET', url: 'https://api.example.com/', headers: { 'x-run': "{{ process.env.AWS_SECRET_ACCESS_KEY }}", 'x-b': '{{ secrets.A + 1 }}' } }, ['A']));
  expect(httpTaskIssues(flow, strict)).toEqual([
    { path: 'flow_spec.tasks[0].request.headers["x-run"]', message: 'unknown template {{ process.env.AWS_SECRET_ACCESS_KEY }}: use {{ secrets.NAME }} or {{ parameters.path }}' },
    { path: 'flow_spec.tasks[0].request.headers["x-b"]', message: 'unknown template {{ secrets.A + 1 }}: use {{ secrets.NAME }} or {{ parameters.path }}' },
  ]);
});

test('templates outside the query string are refused (the host and path are what the guard judges)', () => {
  const flow = spec(http('a', { method: 'GET', url: 'https://api.example.com/{{ secrets.A }}' }, ['A']), http('b', { method: 'GET', url: 'https://api.example.com/{{ parameters.p }}?a=1' }));
  expect(httpTaskIssues(flow, strict)).toEqual([
    { path: 'flow_spec.tasks[0].request.url', message: 'templates are allowed only in the query string' },
    { path: 'flow_spec.tasks[1].request.url', message: 'templates are allowed only in the query string' },
  ]);
});

test('a URL the guard refuses whatever DNS says is reported; names are left to run time', () => {
  const flow = spec(
    http('loop', { method: 'GET', url: 'https://2130706433/' }),
    http('meta', { method: 'GET', url: 'https://169.254.169.254/latest/meta-data/' }),
    http('plain', { method: 'GET', url: 'http://api.example.com/' }),
    http('creds', { method: 'GET', url: 'https://u:p@api.example.com/' }),
    http('name', { method: 'GET', url: 'https://api.example.com/' }),
  );
  expect(httpTaskIssues(flow, strict)).toEqual([
    { path: 'flow_spec.tasks[0].request.url', message: 'egress refused: https://127.0.0.1: 127.0.0.1 is a loopback address' },
    { path: 'flow_spec.tasks[1].request.url', message: expect.stringMatching(/^egress refused: https:\/\/169\.254\.169\.254: 169\.254\.169\.254 is a link-local address/) },
    { path: 'flow_spec.tasks[2].request.url', message: 'egress refused: http://api.example.com: http is not allowed (https only)' },
    { path: 'flow_spec.tasks[3].request.url', message: expect.stringMatching(/credentials in the URL are not allowed/) },
  ]);
  // On the local platform with its test flag, loopback http is accepted.
  expect(httpTaskIssues(spec(http('loop', { method: 'GET', url: 'http://127.0.0.1:8080/x' })), { allowLoopbackHttp: true })).toEqual([]);
});
