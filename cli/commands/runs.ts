import type { Command } from 'commander';
import { unwrap } from '../api/client';
import { collect, contextOf, parseParameters, splitFlowRef, type Context } from '../context';
import { duration, table } from '../output';
import { exitCodeOf, renderRun, TERMINAL_RUN, watchRun, type RunDetail } from '../watch';

type RunExecutor = 'lambda' | 'step-functions' | 'ecs';
type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Prints a started run, or watches it when asked; sets the exit code from its final status. */
async function startedRun(ctx: Context, run: { run_id: string; status: string; flow_name: string; flow_version: string }, watch: boolean, verb: string): Promise<void> {
  if (!watch) {
    ctx.out.result(run, () => ctx.out.line(`${verb} run ${run.run_id} of ${run.flow_name}@${run.flow_version} (${run.status}); watch it with: dagy runs get ${run.run_id} or dagy logs ${run.run_id} --follow`));
    return;
  }
  ctx.out.note(`${verb} run ${run.run_id} of ${run.flow_name}@${run.flow_version}`);
  const final = await watchRun(ctx.connection().api, run.run_id, ctx.out);
  ctx.out.result(final, () => {
    if (final.outputs !== null && Object.keys(final.outputs).length > 0) ctx.out.line(`outputs: ${JSON.stringify(final.outputs)}`);
  });
  // 130: detached with the run still going.
  process.exitCode = TERMINAL_RUN.has(final.status) ? exitCodeOf(final.status) : 130;
}

export function registerRunCommands(program: Command): void {
  program
    .command('run <target>')
    .description('Start a run of a deployment, or of flow@version; --watch follows it to the end (exit 0 SUCCEEDED, 1 FAILED, 2 CANCELLED)')
    .option('--param <key=value>', 'a run parameter (repeatable; JSON values are parsed)', collect, [])
    .option('--params-file <file>', 'run parameters from a JSON file (--param values win)')
    .option('--executor <executor>', 'lambda, step-functions or ecs')
    .option('--idempotency-key <key>', 'the same key again returns the same run')
    .option('-w, --watch', 'follow the run: live table and progress bar on a TTY, one line per change otherwise')
    .action(async (target: string, options: { param: string[]; paramsFile?: string; executor?: RunExecutor; idempotencyKey?: string; watch?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const parameters = parseParameters(options.param, options.paramsFile);
      const ref = splitFlowRef(target);
      const { api } = ctx.connection();
      const run = await unwrap(
        api.POST('/v1/runs', {
          body: {
            ...(ref === null ? { deployment_name: target } : ref),
            ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
            ...(options.executor ? { executor: options.executor } : {}),
          },
          ...(options.idempotencyKey ? { headers: { 'idempotency-key': options.idempotencyKey } } : {}),
        }),
      );
      await startedRun(ctx, run, options.watch === true, 'started');
    });

  const runs = program.command('runs').description('Runs: list, inspect, cancel, retry');

  runs
    .command('ls')
    .description('Runs, newest first')
    .option('--status <status>', 'QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED')
    .option('--flow <name>', 'only this flow')
    .option('--deployment <name>', 'only this deployment')
    .option('--limit <n>', 'at most this many (1-100)', '20')
    .action(async (options: { status?: RunStatus; flow?: string; deployment?: string; limit: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(
        api.GET('/v1/runs', { params: { query: { status: options.status, flow_name: options.flow, deployment_name: options.deployment, limit: Number(options.limit) } } }),
      );
      ctx.out.result(page, () =>
        ctx.out.line(
          table(
            ['RUN', 'FLOW', 'STATUS', 'EXECUTOR', 'TRIGGER', 'CREATED', 'DURATION'],
            page.items.map((r) => [r.run_id, `${r.flow_name}@${r.flow_version}`, r.status, r.executor, r.trigger.type, r.created_at, duration(r.started_at, r.completed_at)]),
          ),
        ),
      );
    });

  runs
    .command('get <run_id>')
    .description('A run with its task runs and outputs')
    .action(async (runId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const run = (await unwrap(api.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } } }))) as RunDetail;
      ctx.out.result(run, () => {
        ctx.out.line(renderRun(run));
        if (run.error_message) ctx.out.line(`error: ${run.error_message}`);
        if (run.outputs !== null) ctx.out.line(`outputs: ${JSON.stringify(run.outputs)}`);
      });
    });

  runs
    .command('cancel <run_id>')
    .description('Cancel a QUEUED or RUNNING run')
    .action(async (runId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const run = await unwrap(api.POST('/v1/runs/{run_id}/cancel', { params: { path: { run_id: runId } } }));
      ctx.out.result(run, () => ctx.out.line(`run ${run.run_id} ${run.status}`));
    });

  runs
    .command('retry <run_id>')
    .description("A new run of a FAILED or CANCELLED run that keeps the succeeded tasks' outputs")
    .option('--param <key=value>', 'a parameter merged over the original run\'s (repeatable)', collect, [])
    .option('--executor <executor>', 'lambda, step-functions or ecs')
    .option('-w, --watch', 'follow the new run to its end')
    .action(async (runId: string, options: { param: string[]; executor?: RunExecutor; watch?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const parameters = parseParameters(options.param);
      const { api } = ctx.connection();
      const run = await unwrap(
        api.POST('/v1/runs/{run_id}/retry', {
          params: { path: { run_id: runId } },
          body: { ...(Object.keys(parameters).length > 0 ? { parameters } : {}), ...(options.executor ? { executor: options.executor } : {}) },
        }),
      );
      await startedRun(ctx, run, options.watch === true, 'retried as');
    });
}
