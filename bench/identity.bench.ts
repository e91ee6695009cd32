import { performance } from 'node:perf_hooks';
import { apiClient } from '../test/support/platform';
import { summarize, withBenchPlatform } from './support';

const SAMPLES = 400;
const WARMUP = 20;

/** An HTTP API authorizer event (payload 2.0, REQUEST) carrying one bearer secret. */
function authorizerEvent(secret: string) {
  const authorization = `Bearer ${secret}`;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:us-east-1:000000000000:bench/$default/GET/v1/me',
    identitySource: [authorization],
    routeKey: 'GET /v1/me',
    rawPath: '/v1/me',
    rawQueryString: '',
    headers: { authorization },
  };
}

function tally(commands: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of commands) out[c] = (out[c] ?? 0) + 1;
  return out;
}

/**
 * The authorizer's latency against DynamoDB Local (uncached: invoked directly, no gateway cache)
 * for an access token and an API key, and the DynamoDB requests each authenticated request
 * costs: the credential resolve plus the access log record.
 */
export async function run(): Promise<Record<string, unknown>> {
  const commands: string[] = [];
  return withBenchPlatform(
    async (platform) => {
      const anon = apiClient(platform.url);
      const signup = await anon.post('/v1/auth/signup', {
        email: 'bench@example.com',
        password: 'a long bench passphrase',
        name: 'Bench',
        org_name: 'Bench org',
      });
      if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
      const token: string = signup.body.access_token.token;
      const session = apiClient(platform.url, { authorization: `Bearer ${token}` });
      const key = await session.post('/v1/api-keys', { name: 'bench', role: 'viewer' });
      if (key.status !== 201) throw new Error(`api key failed: ${key.status}`);
      const secret: string = key.body.secret;

      const measure = async (credential: string) => {
        const event = authorizerEvent(credential);
        for (let i = 0; i < WARMUP; i++) await platform.invoke('authorizer', event);
        commands.length = 0;
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const started = performance.now();
          const result = (await platform.invoke('authorizer', event)) as { context: { principal_type: string } };
          samples.push(performance.now() - started);
          if (result.context.principal_type === 'anonymous') throw new Error('credential refused during bench');
        }
        const perCommand = tally(commands);
        return { latency: summarize(samples), ddb_requests_per_resolve: commands.length / SAMPLES, ddb_commands: perCommand };
      };

      const accessToken = await measure(token);
      const apiKey = await measure(secret);

      // A malformed key (bad checksum) costs no request at all.
      commands.length = 0;
      const typo = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      await platform.invoke('authorizer', authorizerEvent(typo));
      const badChecksumRequests = commands.length;

      // One authenticated HTTP request end to end (GET /v1/org: resolve, read the org, access log).
      commands.length = 0;
      const requests = 50;
      for (let i = 0; i < requests; i++) await session.get('/v1/org');
      const perRequest = tally(commands);
      const perHttp = Object.fromEntries(Object.entries(perRequest).map(([k, v]) => [k, v / requests]));

      return {
        samples_per_credential: SAMPLES,
        authorizer_access_token: accessToken,
        authorizer_api_key: apiKey,
        bad_checksum_ddb_requests: badChecksumRequests,
        get_org_ddb_requests_per_request: perHttp,
        note:
          'access token: one BatchGetItem (token + user with its org_roles); API key: one Query of the by-hash index, plus an UpdateItem of last_used_at at most once a minute; the HTTP stack adds one PutItem (access log) per authenticated request; GET /v1/org adds its own GetItem',
      };
    },
    { observeAws: (service, command) => commands.push(`${service}:${command}`) },
  );
}
