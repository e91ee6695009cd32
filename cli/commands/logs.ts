import type { Command } from 'commander';
import { unwrap } from '../api/client';
import { contextOf } from '../context';
import { CliError } from '../errors';
import { TERMINAL_RUN, type RunDetail } from '../watch';

export function registerLogCommands(program: Command): void {
  program
    .command('logs <run_id> [task]')
    .description("A run's task logs, each line prefixed with its task; --follow prints new lines until the run ends")
    .option('-f, --follow', 'keep printing new lines until the run ends')
    .option('--interval <ms>', 'poll interval with --follow', '1000')
    .action(async (runId: string, task: string | undefined, options: { follow?: boolean; interval: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      /** Characters already printed per task run attempt. */
      const printed = new Map<string, number>();
      const collected: { task_name: string; task_run_id: string; attempt: number; content: string }[] = [];
      for (;;) {
        const run = (await unwrap(api.GET('/v1/runs/{run_id}', { params: { path: { run_id: runId } } }))) as RunDetail;
        const ended = TERMINAL_RUN.has(run.status);
        const taskRuns = run.task_runs
          .filter((t) => task === undefined || t.task_name === task)
          .sort((a, b) => (a.started_at ?? '~').localeCompare(b.started_at ?? '~'));
        if (task !== undefined && taskRuns.length === 0) throw new CliError(`run ${runId} has no task '${task}'`);
        for (const t of taskRuns) {
          if (t.status === 'PENDING' || t.status === 'SKIPPED') continue;
          const logs = await unwrap(api.GET('/v1/runs/{run_id}/task-runs/{task_run_id}/logs', { params: { path: { run_id: runId, task_run_id: t.task_run_id } } }));
          const key = `${t.task_run_id}#${logs.attempt}`;
          const from = printed.get(key) ?? 0;
          if (logs.content.length <= from) continue;
          printed.set(key, logs.content.length);
          const fresh = logs.content.slice(from);
          if (ctx.out.json) {
            collected.push({ task_name: t.task_name, task_run_id: t.task_run_id, attempt: logs.attempt, content: fresh });
            continue;
          }
          for (const line of fresh.replace(/\n$/, '').split('\n')) ctx.out.line(`[${t.task_name}] ${line}`);
        }
        if (!options.follow || ended) break;
        await new Promise((resolve) => setTimeout(resolve, Number(options.interval)));
      }
      ctx.out.result({ run_id: runId, logs: collected }, () => undefined);
    });
}
