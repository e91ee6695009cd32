import type { Command } from 'commander';
import { unwrap } from '../api/client';
import { contextOf } from '../context';
import { table } from '../output';

export function registerScheduleCommands(program: Command): void {
  const schedules = program.command('schedules').description('Schedules: list, preview');
  schedules
    .command('ls')
    .description('Schedules of the organization')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(api.GET('/v1/schedules', { params: { query: {} } }));
      ctx.out.result(page, () =>
        ctx.out.line(
          table(
            ['SCHEDULE', 'TARGET', 'MODE', 'WHEN', 'TZ', 'ENABLED', 'NEXT RUN'],
            page.items.map((s) => [
              s.schedule_id,
              s.deployment_name ?? `${s.flow_name}@${s.flow_version ?? '?'}`,
              s.mode,
              s.cron_expression ?? (s.interval_seconds !== null ? `every ${s.interval_seconds}s` : s.start_at),
              s.timezone,
              s.enabled ? 'yes' : 'no',
              s.next_run_at,
            ]),
          ),
        ),
      );
    });
  schedules
    .command('preview <schedule_id>')
    .description('The next fire times of a schedule, in UTC and in its time zone')
    .option('--count <n>', 'how many (1-100)', '10')
    .action(async (scheduleId: string, options: { count: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const preview = await unwrap(api.GET('/v1/schedules/{schedule_id}/preview', { params: { path: { schedule_id: scheduleId }, query: { count: Number(options.count) } } }));
      ctx.out.result(preview, () => ctx.out.line(table(['UTC', `LOCAL (${preview.timezone})`], preview.slots.map((s) => [s.utc, s.local]))));
    });
}

export function registerSensorCommands(program: Command): void {
  const sensors = program.command('sensors').description('Sensors: list');
  sensors
    .command('ls')
    .description('Sensors of the organization')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(api.GET('/v1/sensors', { params: { query: {} } }));
      ctx.out.result(page, () =>
        ctx.out.line(
          table(
            ['SENSOR', 'NAME', 'TYPE', 'TARGET', 'ENABLED', 'LAST TRIGGERED'],
            page.items.map((s) => [s.sensor_id, s.name, s.sensor_type, s.deployment_name ?? `${s.flow_name}@${s.flow_version ?? '?'}`, s.enabled ? 'yes' : 'no', s.last_triggered_at]),
          ),
        ),
      );
    });
}
