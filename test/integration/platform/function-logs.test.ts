import type { AwsClientMiddleware } from '../../../lambdas/shared/aws-clients';
import { functionLogPrinter } from '../../../local/function-logs';
import type { Platform } from '../../../local/platform';
import { apiClient, startTestPlatform } from '../../support/platform';

/*
 * `npm start` shows what the functions log: one line per log record (time, function, level, ids,
 * message), and an unexpected error's stack under its line, as CloudWatch would hold it in AWS.
 */
describe('function logs on the local platform', () => {
  let platform: Platform;
  const output: string[] = [];
  const jsonOutput: string[] = [];
  let failNext = false;
  const inject: AwsClientMiddleware = async (call, next) => {
    if (failNext && call.functionName === 'http-identity' && call.service === 'ddb') {
      failNext = false;
      throw new TypeError('injected: the identity table answered nonsense');
    }
    return next();
  };

  beforeAll(async () => {
    const pretty = functionLogPrinter({ json: false, write: (text) => output.push(text) });
    const json = functionLogPrinter({ json: true, write: (text) => jsonOutput.push(text) });
    platform = await startTestPlatform({
      awsMiddleware: inject,
      functionLogSink: (line) => {
        pretty(line);
        json(line);
      },
    });
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  test('a 500 inside a handler prints its stack trace to the platform output', async () => {
    failNext = true;
    const res = await apiClient(platform.url).post('/v1/auth/login', { email: 'someone@example.com', password: 'correct horse battery' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal_error', message: 'internal error', details: [] } });
    const text = output.join('');
    const line = text.split('\n').find((l) => l.includes('http-identity') && l.includes('ERROR') && l.includes('unhandled error'));
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} http-identity\s+ERROR /);
    // The stack, under the line: the error and the frames that threw it.
    expect(text).toContain('TypeError: injected: the identity table answered nonsense');
    expect(text).toMatch(/\n {4}at .+/);
    // The request's own line comes from the same function, with its status.
    expect(text.split('\n').some((l) => l.includes('http-identity') && l.includes('request') && l.includes('"status":500'))).toBe(true);
  }, 30_000);

  test('--json-logs prints the Powertools JSON record itself, with service, level and request id', async () => {
    const records = jsonOutput.map((l) => JSON.parse(l) as Record<string, unknown>);
    const error = records.find((r) => r.message === 'unhandled error');
    expect(error).toMatchObject({ level: 'ERROR', service: 'http-identity', function_request_id: expect.any(String) });
    expect(JSON.stringify(error)).toContain('injected: the identity table answered nonsense');
  });
});
