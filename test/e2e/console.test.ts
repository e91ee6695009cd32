import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { BrowserContext, Page } from 'playwright-core';
import { etlRegistration } from '../../examples/etl/artifact';
import { fromRoot } from '../../lib/paths';
import type { Platform } from '../../local/platform';
import { signUpTenant, type TestTenant } from '../support/auth';
import { artifactsDir, launchBrowser, type TestBrowser } from '../support/browser';
import { startTestPlatform } from '../support/platform';

// The console in a real browser (Debian's Chromium through playwright-core) against the local
// platform serving console/dist: sign in, runs and their live DAG, logs, cancel, the builder.
jest.setTimeout(90_000);

describe('web console', () => {
  let platform: Platform;
  let alice: TestTenant;
  let chrome: TestBrowser;
  let context: BrowserContext;
  let page: Page;
  const metrics: Record<string, number> = {};
  let theirRun: { org_id: string; run_slug: string; owner: TestTenant };
  const url = (path: string) => `${platform.url}${path}`;

  const slowCode = `export async function wait({ parameters }) {
  await new Promise((resolve) => setTimeout(resolve, parameters.wait_ms));
  return { waited: parameters.wait_ms };
}`;

  beforeAll(async () => {
    [platform, chrome] = await Promise.all([startTestPlatform({ consoleDir: fromRoot('console/dist') }), launchBrowser()]);
    const signedUp = await signUpTenant(platform.url, 'console');
    // Alice joins a second organization later: her own calls name hers.
    alice = { ...signedUp, api: signedUp.api.withHeaders({ 'x-dagy-org': signedUp.org_id }) };
    expect((await alice.api.post('/v1/flows', etlRegistration())).status).toBe(201);
    const slow = await alice.api.post('/v1/flows', {
      flow_name: 'slow',
      flow_version: '1.0.0',
      default_executor: 'step-functions',
      flow_spec: { tasks: [{ name: 'wait', type: 'code', handler: 'tasks/slow.mjs:wait', parameters: { wait_ms: 60_000 } }] },
      artifact: { zip_base64: Buffer.from(zipSync({ 'tasks/slow.mjs': strToU8(slowCode) })).toString('base64') },
    });
    expect(slow.status).toBe(201);
    context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  }, 90_000);

  afterAll(async () => {
    writeFileSync(join(artifactsDir(), 'console-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    await chrome?.close();
    await platform?.stop();
  });

  async function signIn(): Promise<void> {
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('serves the console at / with security headers and index.html for its routes; /v1 stays the API', async () => {
    const root = await fetch(url('/'));
    expect(root.status).toBe(200);
    expect(root.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(root.headers.get('x-frame-options')).toBe('DENY');
    expect(await root.text()).toContain('<div id="root">');
    const deep = await fetch(url('/runs/some-run'));
    expect(deep.headers.get('content-type')).toContain('text/html');
    const api = await fetch(url('/v1/nope'));
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('signs in with email and password and comes back to the page it was sent from', async () => {
    await page.goto(url('/flows'));
    await page.waitForURL(/\/signin\?next=%2Fflows/);
    await signIn();
    await page.waitForURL(url('/flows'));
    await page.getByRole('link', { name: 'etl' }).waitFor();
  });

  it('starts the example flow with the parameters form and watches its DAG reach all-succeeded; opens a task log', async () => {
    await page.getByRole('link', { name: 'etl' }).click();
    await page.getByRole('heading', { name: /etl 1\.0\.0/ }).waitFor();
    await page.getByLabel('day').fill('2026-11-28');
    await page.getByLabel('rows').fill('12');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    const runUrl = page.url();
    // Live: every task node turns SUCCEEDED without a reload.
    for (const task of ['fetch', 'clean', 'enrich', 'stats', 'aggregate']) {
      await page.locator(`.task-node[data-task="${task}"][data-status="SUCCEEDED"]`).waitFor({ timeout: 60_000 });
    }
    await page.getByRole('heading', { name: /Run .* SUCCEEDED/ }).waitFor();
    await page.locator('.react-flow__node[data-id="fetch"]').click();
    await page.getByRole('heading', { name: /Logs of fetch/ }).waitFor();
    await page.getByLabel('Logs of fetch').filter({ hasText: 'fetching 12 rows for 2026-11-28' }).waitFor();
    await expect(page.locator('.timeline-bar').count()).resolves.toBe(5);
    await page.screenshot({ path: join(artifactsDir(), 'run-page.png'), fullPage: true });

    // Time to interactive of the run page: a fresh load until the DAG shows its states.
    const started = Date.now();
    await page.goto(runUrl);
    await page.locator('.task-node[data-status="SUCCEEDED"]').first().waitFor();
    metrics.run_page_interactive_wall_ms = Date.now() - started;
    metrics.run_page_interactive_mark_ms = Math.round(
      await page.evaluate<number>("performance.getEntriesByName('dagy:run-page-interactive')[0]?.startTime ?? -1"),
    );
    expect(metrics.run_page_interactive_mark_ms).toBeGreaterThan(0);

    // Readable at phone width: the DAG and the facts stay on screen without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(artifactsDir(), 'run-page-phone.png'), fullPage: false });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('cancels a long run from its page', async () => {
    const run = await alice.api.post('/v1/runs', { flow_name: 'slow', flow_version: '1.0.0' });
    expect(run.status).toBe(202);
    await page.goto(url(`/runs/${run.body.run_id}`));
    await page.locator('.task-node[data-task="wait"][data-status="RUNNING"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const cancelled = page.getByRole('heading', { name: /Run .* CANCELLED/ });
    await cancelled.or(page.getByRole('alert')).first().waitFor({ timeout: 60_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await cancelled.waitFor();
    await page.getByRole('note').filter({ hasText: `cancelled by ${alice.email}` }).waitFor();
    await expect(page.getByRole('button', { name: 'Retry run' }).isVisible()).resolves.toBe(true);
  });

  it('builds a three-task draft: connects by dragging, shows a validation error on its node until fixed, publishes and runs it', async () => {
    await page.goto(url('/drafts'));
    await page.getByLabel('Draft name').fill('three steps');
    await page.getByLabel('Flow name').fill('built');
    await page.getByRole('button', { name: 'New draft' }).click();
    await page.waitForURL(/\/drafts\/[0-9a-f-]+$/);
    const saved = page.getByRole('status').filter({ hasText: 'All changes saved' });
    await page.getByLabel('Default executor').selectOption('step-functions');
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('.react-flow__node[data-id="task_3"]').waitFor();
    // Connect task_1 → task_2 by dragging from its output handle to the other's input handle.
    await page.locator('.react-flow__node[data-id="task_1"] .react-flow__handle.source').dragTo(page.locator('.react-flow__node[data-id="task_2"] .react-flow__handle.target'));
    await page.locator('.react-flow__edge[data-id="task_1->task_2"]').waitFor({ state: 'attached' });
    // And task_2 → task_3 from the side panel (the keyboard way).
    await page.locator('.react-flow__node[data-id="task_3"]').click();
    await page.getByRole('complementary', { name: 'Task task_3' }).getByLabel('task_2').check();
    await expect(page.locator('.react-flow__edge').count()).resolves.toBe(2);
    await saved.waitFor();

    // A bad URL on task_2: the API's validation issue appears on that node…
    await page.locator('.react-flow__node[data-id="task_2"]').click();
    const panel = page.getByRole('complementary', { name: 'Task task_2' });
    await panel.getByLabel('URL').fill('not a url');
    const flagged = page.locator('.task-node.has-issues[data-task="task_2"]');
    await flagged.waitFor();
    await expect(flagged.textContent()).resolves.toContain('absolute http');
    await expect(page.locator('.task-node.has-issues').count()).resolves.toBe(1);
    await page.screenshot({ path: join(artifactsDir(), 'builder-issue.png') });
    // …and goes when it is fixed.
    await panel.getByLabel('URL').fill(url('/v1/health'));
    await page.getByText('The draft is valid.').waitFor();
    await expect(page.locator('.task-node.has-issues').count()).resolves.toBe(0);
    await saved.waitFor();

    // Positions are saved in the draft.
    const draftId = page.url().split('/').pop()!;
    const stored = await alice.api.get(`/v1/drafts/${draftId}`);
    expect(Object.keys(stored.body.layout).sort()).toEqual(['task_1', 'task_2', 'task_3']);
    expect(stored.body.flow_spec.edges).toEqual([
      { from: 'task_1', to: 'task_2' },
      { from: 'task_2', to: 'task_3' },
    ]);
    expect(stored.body.default_executor).toBe('step-functions');
    await page.screenshot({ path: join(artifactsDir(), 'builder.png') });

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published built 1.0.0.').waitFor();
    await page.getByRole('link', { name: 'Open it to run it' }).click();
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    for (const task of ['task_1', 'task_2', 'task_3']) {
      await page.locator(`.task-node[data-task="${task}"][data-status="SUCCEEDED"]`).waitFor({ timeout: 60_000 });
    }
  });

  it("shows another organization's run as not found, and an expired session goes to sign in and back", async () => {
    const bob = await signUpTenant(platform.url, 'other');
    expect((await bob.api.post('/v1/flows', etlRegistration())).status).toBe(201);
    const theirs = await bob.api.post('/v1/runs', { flow_name: 'etl', flow_version: '1.0.0' });
    expect(theirs.status).toBe(202);
    await page.goto(url(`/runs/${theirs.body.run_id}`));
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
    theirRun = { org_id: bob.org_id, run_slug: theirs.body.run_slug as string, owner: bob };

    const mine = await alice.api.get('/v1/runs?limit=1');
    const target = `/runs/${mine.body.items[0].run_id}`;
    // The stored token stops being accepted (as an expired one is): the authorizer refuses it.
    await page.evaluate(`(() => {
      const session = JSON.parse(localStorage.getItem('dagy.session'));
      localStorage.setItem('dagy.session', JSON.stringify({ ...session, token: session.token.slice(0, -4) + 'AAAA' }));
    })()`);
    await page.goto(url(target));
    await page.waitForURL(/\/signin\?next=/);
    await signIn();
    await page.waitForURL(url(target));
    await page.locator('.task-node').first().waitFor();
  });

  it('runs a deployment with its default parameters in the generated form, then pauses it', async () => {
    const created = await alice.api.post('/v1/deployments', {
      deployment_name: 'etl-nightly',
      flow_name: 'etl',
      flow_version: '1.0.0',
      environment: 'dev',
      parameters: { day: '2026-01-02', rows: 3 },
    });
    expect(created.status).toBe(201);
    await page.goto(url('/deployments'));
    await page.getByRole('button', { name: 'Run…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run etl-nightly' });
    await expect(dialog.getByLabel('day').inputValue()).resolves.toBe('2026-01-02');
    await dialog.getByLabel('rows').fill('5');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    const run = await alice.api.get(`/v1/runs/${page.url().split('/').pop()}`);
    expect(run.body).toMatchObject({ deployment_name: 'etl-nightly', parameters: { day: '2026-01-02', rows: 5 } });

    await page.goto(url('/deployments'));
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await alice.api.get('/v1/deployments/etl-nightly')).body.status).toBe('PAUSED');
  });

  it('shows the organization pages: deployments, schedules, sensors, secrets (names only), audit, members and keys', async () => {
    expect((await alice.api.post('/v1/secrets', { secret_name: 'WAREHOUSE_PASSWORD', value: 'hunter2-very-secret' })).status).toBe(201);
    for (const [path, heading, expected] of [
      ['/deployments', 'Deployments', null],
      ['/schedules', 'Schedules', null],
      ['/sensors', 'Sensors', null],
      ['/secrets', 'Secrets', 'WAREHOUSE_PASSWORD'],
      ['/audit', 'Audit log', 'draft'],
      ['/members', 'Members', alice.email],
    ] as const) {
      await page.goto(url(path));
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      if (expected !== null) await page.getByText(expected, { exact: false }).first().waitFor();
      expect([path, await page.getByRole('alert').allTextContents()]).toEqual([path, []]);
    }
    await page.goto(url('/secrets'));
    await page.getByText('WAREHOUSE_PASSWORD').waitFor();
    expect(await page.content()).not.toContain('hunter2-very-secret');
  });

  it('switches organization: the runs are the chosen one’s, with its role', async () => {
    expect((await theirRun.owner.api.post('/v1/members', { email: alice.email, role: 'viewer' })).status).toBe(201);
    await page.goto(url('/runs'));
    const switcher = page.getByLabel('Organization');
    await switcher.locator(`option[value="${theirRun.org_id}"]`).waitFor({ state: 'attached' });
    await switcher.selectOption(theirRun.org_id);
    await page.getByRole('link', { name: theirRun.run_slug }).click();
    await page.locator('.task-node').first().waitFor();
    // Alice is only a viewer there.
    await expect(page.getByRole('button', { name: /Cancel run|Retry run/ }).count()).resolves.toBe(0);
  });

  it('signs in with an API key and signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    const key = await alice.api.post('/v1/api-keys', { name: 'console', role: 'viewer' });
    await page.getByRole('tab', { name: 'API key' }).click();
    await page.getByLabel('API key', { exact: true }).fill(key.body.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByRole('link', { name: /.+/ }).filter({ hasText: /-/ }).first().click();
    await page.locator('.task-node').first().waitFor();
    // A viewer reads runs but is offered neither cancel nor retry.
    await expect(page.getByRole('button', { name: /Cancel run|Retry run/ }).count()).resolves.toBe(0);
  });
});
