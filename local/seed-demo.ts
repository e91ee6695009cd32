import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { etlRegistration } from '../examples/etl/artifact';

/** What the first start creates and every start prints: a demo organization and its API key. */
export interface DemoInfo {
  email: string;
  password: string;
  org_id: string;
  api_key: string;
  flow_name: string;
  flow_version: string;
}

const DEMO_FILE = 'demo.json';

interface SignupAnswer {
  access_token: { token: string };
  organization: { org_id: string };
}

async function call<T>(url: string, method: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/**
 * Seeds the demo organization through the platform's own HTTP API (signup, an admin API key, the
 * example ETL flow) on first start, and remembers it in `<dataDir>/demo.json` (mode 0600: it holds
 * a local API key) so later starts print the same key.
 */
export async function seedDemo(url: string, dataDir: string, options: { persist: boolean }): Promise<DemoInfo> {
  const file = join(dataDir, DEMO_FILE);
  // In-memory data is gone after a restart, so a remembered demo would point at nothing.
  if (options.persist && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoInfo;
  const email = 'demo@dagy.local';
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  const signup = await call<SignupAnswer>(url, 'POST', '/v1/auth/signup', { email, password, name: 'Demo User', org_name: 'Demo' });
  if (signup.status !== 201) {
    throw new Error(`demo seeding: signup answered ${signup.status} ${JSON.stringify(signup.body)}; delete ${dataDir} to start afresh`);
  }
  const token: string = signup.body.access_token.token;
  const key = await call<{ secret: string }>(url, 'POST', '/v1/api-keys', { name: 'demo', role: 'admin' }, token);
  if (key.status !== 201) throw new Error(`demo seeding: API key answered ${key.status} ${JSON.stringify(key.body)}`);
  const registration = etlRegistration();
  const flow = await call<unknown>(url, 'POST', '/v1/flows', registration, token);
  if (flow.status !== 201 && flow.status !== 200) throw new Error(`demo seeding: flow answered ${flow.status} ${JSON.stringify(flow.body)}`);
  const info: DemoInfo = {
    email,
    password,
    org_id: signup.body.organization.org_id,
    api_key: key.body.secret,
    flow_name: registration.flow_name,
    flow_version: registration.flow_version,
  };
  if (options.persist) writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return info;
}
