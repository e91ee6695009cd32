// Login throttling through the gateway: attempts are counted atomically before the password is
// checked, per email and per source address, so parallel guesses never exceed either limit.
// Requests come from distinct loopback addresses (127.0.0.0/8) so that the gateway sees distinct
// source IPs.
import { request } from 'node:http';
import { ManualClock } from '../../../lambdas/shared/clock';
import { IDENTITY_DEFAULTS } from '../../../lambdas/identity/identity-config';
import type { Platform } from '../../../local/platform';
import { signUpTenant, type TestTenant } from '../../support/auth';
import { startTestPlatform } from '../../support/platform';
import { documentClient } from './helpers';
import { GetCommand } from '@aws-sdk/lib-dynamodb';

const START_MS = Date.parse('2030-07-01T08:00:00Z');
const PER_EMAIL = IDENTITY_DEFAULTS.loginMaxFailures;
const PER_SOURCE = IDENTITY_DEFAULTS.loginMaxFailuresPerSource;

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details: unknown[] } };
  retryAfter: string | undefined;
}

describe('login throttling', () => {
  let platform: Platform;
  let user: TestTenant;
  const clock = new ManualClock(START_MS);

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
    user = await signUpTenant(platform.url, 'throttle');
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  function loginFrom(source: string, email: string, password: string): Promise<Answer> {
    const url = new URL('/v1/auth/login', platform.url);
    const payload = JSON.stringify({ email, password });
    return new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: source, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'], retryAfter: res.headers['retry-after'] as string | undefined }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  const counts = (answers: Answer[]) => ({ 401: answers.filter((a) => a.status === 401).length, 429: answers.filter((a) => a.status === 429).length, total: answers.length });

  it(`20 parallel wrong passwords for one email (from 20 addresses): exactly ${PER_EMAIL} are checked, the rest 429`, async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => loginFrom(`127.0.1.${i + 1}`, user.email, `wrong password ${i}`)));
    expect(counts(answers)).toEqual({ 401: PER_EMAIL, 429: 20 - PER_EMAIL, total: 20 });
    const locked = answers.find((a) => a.status === 429)!;
    expect(locked.body.error).toEqual({ code: 'too_many_requests', message: expect.stringContaining('for this email'), details: [] });
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect(Number(locked.retryAfter)).toBeLessThanOrEqual(IDENTITY_DEFAULTS.loginLockoutSeconds);
    // The right password waits out the window too, from any address; after it, it works.
    expect((await loginFrom('127.0.1.99', user.email, user.password)).status).toBe(429);
    clock.advance((IDENTITY_DEFAULTS.loginLockoutSeconds + 1) * 1000);
    expect((await loginFrom('127.0.1.99', user.email, user.password)).status).toBe(200);
  });

  it(`${PER_SOURCE + 10} parallel wrong logins from one address (any emails): exactly ${PER_SOURCE} are checked, the rest 429`, async () => {
    const source = '127.0.2.1';
    const answers = await Promise.all(Array.from({ length: PER_SOURCE + 10 }, (_, i) => loginFrom(source, `ghost-${i}@example.com`, 'wrong password')));
    expect(counts(answers)).toEqual({ 401: PER_SOURCE, 429: 10, total: PER_SOURCE + 10 });
    expect(answers.find((a) => a.status === 429)!.body.error).toMatchObject({ code: 'too_many_requests', message: expect.stringContaining('from this address') });
    // The address is locked even for a right password; another address is not.
    expect((await loginFrom(source, user.email, user.password)).status).toBe(429);
    expect((await loginFrom('127.0.2.2', user.email, user.password)).status).toBe(200);
    // The counter is an item of its own with a TTL, counted exactly.
    const item = (await documentClient(platform).send(new GetCommand({ TableName: platform.resources.tables.User, Key: { pk: `loginsrc#${source}` }, ConsistentRead: true }))).Item;
    expect(item).toMatchObject({ failures: PER_SOURCE, expires_at_epoch: expect.any(Number) });
    // A refused email attempt gave its email token back: those emails were not charged.
    const ghost = (await documentClient(platform).send(new GetCommand({ TableName: platform.resources.tables.User, Key: { pk: 'loginfail#ghost-0@example.com' }, ConsistentRead: true }))).Item;
    expect([undefined, 0, 1]).toContain(ghost?.failures);
  });

  it('successful logins give their attempt back to the address: they never lock it', async () => {
    const source = '127.0.3.1';
    const failures = await Promise.all(Array.from({ length: PER_SOURCE - 1 }, (_, i) => loginFrom(source, `miss-${i}@example.com`, 'wrong password')));
    expect(counts(failures)[401]).toBe(PER_SOURCE - 1);
    for (let i = 0; i < 3; i++) expect((await loginFrom(source, user.email, user.password)).status).toBe(200);
    expect((await loginFrom(source, 'one-more@example.com', 'wrong password')).status).toBe(401);
    expect((await loginFrom(source, 'and-another@example.com', 'wrong password')).status).toBe(429);
  });
});
