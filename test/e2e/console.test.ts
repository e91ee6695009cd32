import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { BrowserContext, Locator, Page } from 'playwright-core';
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
  /** The secret of the API key created in the console, revoked there later. */
  let ciKey: string;
  const url = (path: string) => `${platform.url}${path}`;

  const slowCode = `export async function wait({ parameters }) {
  await new Promise((resolve) => setTimeout(resolve, parameters.wait_ms));
  return { waited: parameters.wait_ms };
}`;

  const helloCode = `export async function hello() {
  return { hello: 'from the slow flow artifact' };
}`;

  beforeAll(async () => {
    [platform, chrome] = await Promise.all([startTestPlatform({ consoleDir: fromRoot('console/dist'), allowLoopbackEgress: true }), launchBrowser()]);
    const signedUp = await signUpTenant(platform.url, 'console');
    // Alice joins a second organization later: her own calls name hers.
    alice = { ...signedUp, api: signedUp.api.withHeaders({ 'x-dagy-org': signedUp.org_id }) };
    expect((await alice.api.post('/v1/flows', etlRegistration())).status).toBe(201);
    const slow = await alice.api.post('/v1/flows', {
      flow_name: 'slow',
      flow_version: '1.0.0',
      default_executor: 'step-functions',
      flow_spec: { tasks: [{ name: 'wait', type: 'code', handler: 'tasks/slow.mjs:wait', parameters: { wait_ms: 60_000 } }] },
      // hello.mjs is for the builder: its draft's code task runs it from this version's artifact.
      artifact: { zip_base64: Buffer.from(zipSync({ 'tasks/slow.mjs': strToU8(slowCode), 'tasks/hello.mjs': strToU8(helloCode) })).toString('base64') },
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

  /** The centre of an element once it stops moving: the same box in two reads a few frames apart. */
  async function settledCentre(locator: Locator): Promise<{ x: number; y: number }> {
    await locator.scrollIntoViewIfNeeded();
    let last: { x: number; y: number; width: number; height: number } | null = null;
    for (let i = 0; i < 100; i++) {
      const box = await locator.boundingBox();
      if (box !== null && last !== null && box.x === last.x && box.y === last.y && box.width === last.width && box.height === last.height) {
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      }
      last = box;
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    }
    throw new Error(`${locator.toString()} never stopped moving`);
  }

  /**
   * Drags a connection from one React Flow handle to another with the real mouse: pressed on
   * the source handle, moved in steps (React Flow tracks the pointer to find the closest handle),
   * released on the target. Both positions are read once the canvas has settled. locator.dragTo
   * pressed wherever the source was when it looked, and then looked for the target: with the
   * draft still being saved and validated, the handles moved in between (validation issue text
   * resized the nodes, whose handles sat at half their height; the view is fitted after each
   * added task), so the press or the release could miss the 6-pixel handles.
   */
  async function dragConnection(source: Locator, target: Locator): Promise<void> {
    const from = await settledCentre(source);
    const to = await settledCentre(target);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
    await page.mouse.move(to.x, to.y, { steps: 5 });
    await page.mouse.up();
  }

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
    // The console started this run, so it knows its flow and has its (immutable) spec: the
    // load reads the run alone, not the run and then the flow version.
    const apiCalls: string[] = [];
    const onRequest = (request: { url(): string }) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/v1/')) apiCalls.push(path);
    };
    page.on('request', onRequest);
    const started = Date.now();
    await page.goto(runUrl);
    await page.locator('.task-node[data-status="SUCCEEDED"]').first().waitFor();
    metrics.run_page_interactive_wall_ms = Date.now() - started;
    metrics.run_page_interactive_mark_ms = Math.round(
      await page.evaluate<number>("performance.getEntriesByName('dagy:run-page-interactive')[0]?.startTime ?? -1"),
    );
    // Where the time goes: when the run was asked for (script loaded and rendered), and how long the API took.
    const runCall = await page.evaluate<{ startTime: number; responseEnd: number } | null>(
      `(() => { const e = performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === ${JSON.stringify(new URL(runUrl).pathname.replace('/runs/', '/v1/runs/'))}); return e ? { startTime: e.startTime, responseEnd: e.responseEnd } : null; })()`,
    );
    page.off('request', onRequest);
    expect(metrics.run_page_interactive_mark_ms).toBeGreaterThan(0);
    expect(runCall).not.toBeNull();
    metrics.run_page_run_request_start_ms = Math.round(runCall!.startTime);
    metrics.run_page_run_request_ms = Math.round(runCall!.responseEnd - runCall!.startTime);
    expect(apiCalls.filter((p) => p.startsWith('/v1/flows/'))).toEqual([]);
    // For comparison, a deep link to a run this tab has not seen: the run, then its flow version.
    await page.evaluate('sessionStorage.clear()');
    await page.goto(runUrl);
    await page.locator('.task-node[data-status="SUCCEEDED"]').first().waitFor();
    metrics.run_page_interactive_unseen_run_mark_ms = Math.round(
      await page.evaluate<number>("performance.getEntriesByName('dagy:run-page-interactive')[0]?.startTime ?? -1"),
    );

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
    // The three tasks are saved and validated: the page above the canvas has stopped changing.
    await saved.waitFor();
    // Connect task_1 → task_2 by dragging from its output handle to the other's input handle.
    await dragConnection(
      page.locator('.react-flow__node[data-id="task_1"] .react-flow__handle.source'),
      page.locator('.react-flow__node[data-id="task_2"] .react-flow__handle.target'),
    );
    await page.locator('.react-flow__edge[data-id="task_1->task_2"]').waitFor({ state: 'attached', timeout: 5_000 });
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

    // task_1 becomes a code task: publishing needs an artifact, chosen as a registered version's code.
    await page.locator('.react-flow__node[data-id="task_1"]').click();
    const first = page.getByRole('complementary', { name: 'Task task_1' });
    await first.getByRole('combobox', { name: /^Type/ }).selectOption('code');
    await first.getByLabel('Handler').fill('tasks/hello.mjs:hello');
    await page.getByText('artifact required: flow_spec has code tasks').waitFor();
    await expect(page.getByRole('button', { name: 'Publish' }).isDisabled()).resolves.toBe(true);
    // A ZIP from this computer without the module: the issue lands on task_1's node.
    const otherZip = Buffer.from(zipSync({ 'tasks/other.mjs': strToU8('export const x = 1;\n') }));
    await page.getByLabel('Or upload a ZIP').setInputFiles({ name: 'other.zip', mimeType: 'application/zip', buffer: otherZip });
    await page.getByText('other.zip (1 KB)').waitFor();
    await page.locator('.task-node.has-issues[data-task="task_1"]').filter({ hasText: "module 'tasks/hello.mjs' is not in the artifact" }).waitFor();
    // The code of a registered version has it.
    await page.getByLabel('Code from flow version').selectOption({ label: 'slow 1.0.0' });
    await page.getByRole('button', { name: 'Use its code' }).click();
    await page.getByText(/the code of slow 1\.0\.0/).waitFor();
    await page.getByText('The draft is valid.').waitFor();
    await saved.waitFor();
    expect((await alice.api.get(`/v1/drafts/${draftId}`)).body.artifact.upload_key).toMatch(new RegExp(`^uploads/${alice.org_id}/`));
    await page.screenshot({ path: join(artifactsDir(), 'builder.png') });

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published built 1.0.0.').waitFor();
    await page.getByRole('link', { name: 'Open it to run it' }).click();
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    for (const task of ['task_1', 'task_2', 'task_3']) {
      await page.locator(`.task-node[data-task="${task}"][data-status="SUCCEEDED"]`).waitFor({ timeout: 60_000 });
    }
    const built = await alice.api.get('/v1/flows/built/versions/1.0.0');
    expect(built.body.artifact_s3_uri).toMatch(/\.zip$/);
    expect(built.body.flow_spec.tasks[0]).toMatchObject({ name: 'task_1', type: 'code', handler: 'tasks/hello.mjs:hello' });
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

  it("creates a schedule, a secret and an API key from their pages, with the API's errors on their fields", async () => {
    /** The text of the descriptions (help, error) of a form control. */
    type Described = { getAttribute(name: string): string | null; ownerDocument: { getElementById(id: string): { textContent: string | null } | null } };
    const described = (control: Locator) =>
      control.evaluate((el: Described) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' '));

    await page.goto(url('/schedules'));
    const schedule = page.getByRole('form', { name: 'New schedule' });
    await schedule.getByLabel('a flow version').check();
    await schedule.getByLabel('Flow name', { exact: true }).fill('etl');
    await schedule.getByLabel('Flow version', { exact: true }).fill('1.0.0');
    const cron = schedule.getByLabel('Cron expression');
    await cron.fill('every morning');
    await schedule.getByRole('button', { name: 'Create schedule' }).click();
    await cron.and(page.locator('[aria-invalid="true"]')).waitFor();
    expect(await described(cron)).toMatch(/5 fields/);
    await cron.fill('0 6 * * *');
    await schedule.getByRole('button', { name: 'Create schedule' }).click();
    await schedule.getByRole('status').filter({ hasText: 'Created schedule' }).waitFor();
    await page.getByRole('cell', { name: '0 6 * * *', exact: true }).waitFor();
    // The form and the list stay readable at phone width (no sideways scrolling).
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).resolves.toBeLessThanOrEqual(1);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect((await alice.api.get('/v1/schedules')).body.items).toEqual([expect.objectContaining({ flow_name: 'etl', cron_expression: '0 6 * * *' })]);

    await page.goto(url('/secrets'));
    const secret = page.getByRole('form', { name: 'New secret' });
    const secretName = secret.getByLabel('Secret name');
    await secretName.fill('not a name!');
    await secret.getByLabel('Value', { exact: true }).fill('console-typed-secret-42');
    await secret.getByRole('button', { name: 'Create secret' }).click();
    await secretName.and(page.locator('[aria-invalid="true"]')).waitFor();
    await secretName.fill('CONSOLE_TOKEN');
    await secret.getByRole('button', { name: 'Create secret' }).click();
    await secret.getByRole('status').filter({ hasText: 'Created secret CONSOLE_TOKEN' }).waitFor();
    await page.getByRole('cell', { name: 'CONSOLE_TOKEN', exact: true }).waitFor();
    await expect(secret.getByLabel('Value', { exact: true }).inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain('console-typed-secret-42');
    expect((await alice.api.get('/v1/secrets/CONSOLE_TOKEN')).status).toBe(200);

    await page.goto(url('/members'));
    const keyForm = page.getByRole('form', { name: 'New API key' });
    await keyForm.getByRole('button', { name: 'Create API key' }).click();
    await keyForm.getByLabel('Key name').and(page.locator('[aria-invalid="true"]')).waitFor();
    await keyForm.getByLabel('Key name').fill('ci deploys');
    await keyForm.getByLabel('Role').selectOption('developer');
    await keyForm.getByRole('button', { name: 'Create API key' }).click();
    const shown = keyForm.getByLabel('Secret of ci deploys');
    await shown.waitFor();
    const key = await shown.inputValue();
    ciKey = key;
    const me = await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${key}` } });
    expect(((await me.json()) as { role: string }).role).toBe('developer');
    await page.getByRole('cell', { name: 'ci deploys', exact: true }).waitFor();
    // Shown once: gone when hidden, and not there after a reload.
    await keyForm.getByRole('button', { name: 'Done, hide it' }).click();
    await expect(shown.count()).resolves.toBe(0);
    await page.reload();
    await page.getByRole('cell', { name: 'ci deploys', exact: true }).waitFor();
    expect(await page.content()).not.toContain(key);
  });

  it('revokes an API key, disables and deletes a schedule, sets and deletes a secret, behind confirmation dialogs', async () => {
    // The API key created above: revoked from its row, confirmed in a modal dialog by keyboard.
    await page.goto(url('/members'));
    await page.getByRole('button', { name: 'Revoke API key ci deploys' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke API key ci deploys?' });
    // Cancel has the focus first; Tab to the destructive button, Enter to confirm.
    await expect(revoke.getByRole('button', { name: 'Cancel' }).evaluate((el: { ownerDocument: { activeElement: unknown } }) => el.ownerDocument.activeElement === el)).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await revoke.waitFor({ state: 'detached' });
    await expect(page.getByRole('cell', { name: 'ci deploys', exact: true }).count()).resolves.toBe(0);
    const refused = await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${ciKey}` } });
    expect([401, 403]).toContain(refused.status);
    // Alice is the organization's only owner: she is not offered removing or demoting herself.
    const aliceRow = page.getByRole('row').filter({ hasText: alice.email });
    await aliceRow.getByText('the last owner').waitFor();
    await expect(aliceRow.getByRole('button').count()).resolves.toBe(0);

    // The schedule created above: disabled, then deleted (Escape first: nothing happens).
    await page.goto(url('/schedules'));
    await page.getByRole('button', { name: 'Disable schedule of etl (0 6 * * *)' }).click();
    await page.getByRole('button', { name: 'Enable schedule of etl (0 6 * * *)' }).waitFor();
    const [schedule] = (await alice.api.get('/v1/schedules')).body.items;
    expect(schedule).toMatchObject({ cron_expression: '0 6 * * *', enabled: false });
    await page.getByRole('button', { name: 'Delete schedule of etl (0 6 * * *)' }).click();
    const deleteSchedule = page.getByRole('dialog', { name: /Delete the schedule of etl/ });
    await deleteSchedule.waitFor();
    await page.keyboard.press('Escape');
    await deleteSchedule.waitFor({ state: 'detached' });
    expect((await alice.api.get(`/v1/schedules/${schedule.schedule_id}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete schedule of etl (0 6 * * *)' }).click();
    await deleteSchedule.getByRole('button', { name: 'Delete schedule' }).click();
    await page.getByText('No schedules.').waitFor();
    expect((await alice.api.get(`/v1/schedules/${schedule.schedule_id}`)).status).toBe(404);

    // A secret's new value is write-only: sent, never shown; then the secret is deleted.
    await page.goto(url('/secrets'));
    await page.getByRole('button', { name: 'Set a new value of CONSOLE_TOKEN' }).click();
    const setValue = page.getByRole('dialog', { name: 'New value of CONSOLE_TOKEN' });
    await setValue.getByLabel('New value', { exact: true }).fill('rotated-secret-77');
    await setValue.getByRole('button', { name: 'Set value' }).click();
    await setValue.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain('rotated-secret-77');
    expect((await alice.api.post('/v1/secrets/CONSOLE_TOKEN/reveal', {})).body.value).toBe('rotated-secret-77');
    await page.getByRole('button', { name: 'Delete secret CONSOLE_TOKEN' }).click();
    const deleteSecret = page.getByRole('dialog', { name: 'Delete secret CONSOLE_TOKEN?' });
    await deleteSecret.getByRole('button', { name: 'Delete secret' }).click();
    // The dialog closes once the list is read again without the secret.
    await deleteSecret.waitFor({ state: 'detached' });
    await expect(page.getByRole('cell', { name: 'CONSOLE_TOKEN', exact: true }).count()).resolves.toBe(0);
    await expect(page.getByRole('cell', { name: 'WAREHOUSE_PASSWORD', exact: true }).count()).resolves.toBe(1);
    expect((await alice.api.get('/v1/secrets/CONSOLE_TOKEN')).status).toBe(404);
  });

  it("changes a member's role and removes them, revokes an invitation; rotates a sensor's webhook token, disables and deletes it", async () => {
    // Dave joins as a developer; Erin is invited and has not accepted.
    const dave = await signUpTenant(platform.url, 'dave');
    const daveInvite = await alice.api.post('/v1/members', { email: dave.email, role: 'developer' });
    expect(daveInvite.status).toBe(201);
    expect((await dave.api.post(daveInvite.body.accept_path)).status).toBe(201);
    const erin = await signUpTenant(platform.url, 'erin');
    const erinInvite = await alice.api.post('/v1/members', { email: erin.email, role: 'viewer' });
    expect(erinInvite.status).toBe(201);
    const memberRole = async (email: string) =>
      ((await alice.api.get('/v1/members')).body.items as Array<{ email: string; role: string }>).find((m) => m.email === email)?.role;

    await page.goto(url('/members'));
    await page.getByRole('button', { name: `Change the role of ${dave.email}` }).click();
    const change = page.getByRole('dialog', { name: `Change the role of ${dave.email}` });
    await change.getByLabel('New role').selectOption('admin');
    await change.getByRole('button', { name: 'Change role' }).click();
    await change.waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: dave.email }).getByRole('cell', { name: 'admin', exact: true }).waitFor();
    expect(await memberRole(dave.email)).toBe('admin');

    await page.getByRole('button', { name: `Revoke the invitation of ${erin.email}` }).click();
    const revoke = page.getByRole('dialog', { name: `Revoke the invitation of ${erin.email}?` });
    await revoke.getByRole('button', { name: 'Revoke invitation' }).click();
    await revoke.waitFor({ state: 'detached' });
    await expect(page.getByRole('row').filter({ hasText: erin.email }).count()).resolves.toBe(0);
    expect((await erin.api.post(erinInvite.body.accept_path)).status).toBe(404);

    await page.getByRole('button', { name: `Remove ${dave.email}` }).click();
    const remove = page.getByRole('dialog', { name: `Remove ${dave.email}?` });
    await remove.getByRole('button', { name: 'Remove member' }).click();
    await remove.waitFor({ state: 'detached' });
    await expect(page.getByRole('row').filter({ hasText: dave.email }).count()).resolves.toBe(0);
    expect(await memberRole(dave.email)).toBeUndefined();
    expect((await dave.api.withHeaders({ 'x-dagy-org': alice.org_id }).get('/v1/runs')).status).toBe(403);

    // A webhook sensor: disabled from its row, then deleted behind its dialog.
    const sensor = await alice.api.post('/v1/sensors', { name: 'landing-hook', sensor_type: 'webhook', flow_name: 'etl', flow_version: '1.0.0', config: {} });
    expect(sensor.status).toBe(201);
    const sensorId: string = sensor.body.sensor_id;
    await page.goto(url('/sensors'));
    // Its token rotated: the new URL shown once answers, the old one no longer does.
    await page.getByRole('button', { name: 'Rotate the webhook token of landing-hook' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate the webhook token of landing-hook?' });
    await rotate.getByRole('button', { name: 'Rotate token' }).click();
    await rotate.waitFor({ state: 'detached' });
    const shown = (await page.getByRole('status').filter({ hasText: 'New URL' }).locator('code').textContent()) ?? '';
    expect(shown).toMatch(new RegExp(`^${platform.url}/v1/hooks/\\S+$`));
    expect(shown).not.toContain(sensor.body.webhook_token);
    expect((await fetch(`${platform.url}${sensor.body.webhook_path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(404);
    expect((await fetch(shown, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(202);
    await page.getByRole('button', { name: 'Disable sensor landing-hook' }).click();
    await page.getByRole('button', { name: 'Enable sensor landing-hook' }).waitFor();
    expect((await alice.api.get(`/v1/sensors/${sensorId}`)).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Delete sensor landing-hook' }).click();
    const deleteSensor = page.getByRole('dialog', { name: 'Delete sensor landing-hook?' });
    await deleteSensor.getByText('its webhook URL stops answering').waitFor();
    await deleteSensor.getByRole('button', { name: 'Delete sensor' }).click();
    await page.getByText('No sensors.').waitFor();
    expect((await alice.api.get(`/v1/sensors/${sensorId}`)).status).toBe(404);
  });

  it('switches organization: the runs are the chosen one’s, with its role', async () => {
    // Adding a member is an invitation the invitee accepts.
    const invited = await theirRun.owner.api.post('/v1/members', { email: alice.email, role: 'viewer' });
    expect(invited.status).toBe(201);
    expect((await alice.api.post(invited.body.accept_path)).status).toBe(201);
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
    // A viewer reads runs but is offered neither cancel nor retry, nor the create forms.
    await expect(page.getByRole('button', { name: /Cancel run|Retry run/ }).count()).resolves.toBe(0);
    // Nor any change or removal: a schedule is listed without its actions, members and keys too.
    const kept = await alice.api.post('/v1/schedules', { flow_name: 'etl', flow_version: '1.0.0', mode: 'interval', interval_seconds: 3600 });
    expect(kept.status).toBe(201);
    await page.goto(url('/schedules'));
    await page.getByRole('heading', { name: 'Schedules', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'every 3600 s', exact: true }).waitFor();
    await expect(page.getByRole('form').count()).resolves.toBe(0);
    await expect(page.getByRole('main').getByRole('button').count()).resolves.toBe(0);
    await page.goto(url('/members'));
    await page.getByRole('cell', { name: alice.email, exact: true }).waitFor();
    await expect(page.getByRole('main').getByRole('button').count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: 'Invitations' }).count()).resolves.toBe(0);
  });
});
