import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { ENV } from '../catalogue/environment';
import { EMITTED_EVENTS } from '../catalogue/events';
import { runStarterFromRuntime } from '../execution/run-starter';
import { DeploymentRepository } from '../flows/deployment-repository';
import { putAuditRecord } from '../shared/audit/audit-log';
import { isoNow } from '../shared/clock';
import { createRuntime, type FunctionFactory, type Runtime } from '../shared/runtime';
import { ScheduleEvaluator, SCHEDULER_ACTOR, type EvaluatorDeps, type EvaluatorOptions, type SkippedSlots, type TickReport } from './evaluator';
import { startRunWith } from './run-trigger';
import { ScheduleRepository } from './schedule-repository';
import { epochToUtcIso } from './slots';

/** Writes an AuditLog record and a "Schedule Slot Skipped" event for slots a paused deployment skipped. */
export function skipRecorder(runtime: Runtime): EvaluatorDeps['recordSkipped'] {
  const auditTable = runtime.config.table('AuditLog');
  const busName = runtime.config.required(ENV.eventBusName);
  return async ({ schedule, slots, reason }: SkippedSlots) => {
    const detail = {
      org_id: schedule.org_id,
      schedule_id: schedule.schedule_id,
      deployment_name: schedule.deployment_name,
      flow_name: schedule.flow_name,
      slots: slots.map(epochToUtcIso),
      reason,
      occurred_at: isoNow(runtime.clock),
    };
    await putAuditRecord(
      runtime.aws.ddb,
      auditTable,
      {
        org_id: schedule.org_id,
        resource_type: 'schedule',
        resource_id: schedule.schedule_id,
        action: 'skip',
        actor_email: SCHEDULER_ACTOR,
        before: null,
        after: detail,
        ip_address: '',
      },
      detail.occurred_at,
    );
    try {
      await runtime.aws.events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: EMITTED_EVENTS.scheduleSlotSkipped.source,
              DetailType: EMITTED_EVENTS.scheduleSlotSkipped.detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    } catch (error) {
      // The skip is already recorded (schedule and AuditLog); a lost notification is only logged.
      runtime.logger.error('schedule skip event not published', { error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** The evaluator of a function's runtime: its Schedule table, the run starter, the flows' deployments. */
export function evaluatorFromRuntime(runtime: Runtime, options: Partial<EvaluatorOptions> = {}): ScheduleEvaluator {
  const deployments = new DeploymentRepository(runtime.aws.ddb, runtime.config.table('Deployment'));
  return new ScheduleEvaluator(
    {
      repo: new ScheduleRepository(runtime.aws.ddb, runtime.config.table('Schedule')),
      startRun: startRunWith(runStarterFromRuntime(runtime)),
      deploymentState: async (orgId, name) => {
        const d = await deployments.get(orgId, name);
        return d === null ? 'MISSING' : d.status === 'PAUSED' ? 'PAUSED' : 'ACTIVE';
      },
      recordSkipped: skipRecorder(runtime),
      clock: runtime.clock,
      logger: runtime.logger,
    },
    options,
  );
}

/** The schedule-evaluator function (EventBridge rule schedule-evaluator-tick, every minute). */
export const createEvaluatorFunction: FunctionFactory<unknown, TickReport> = (env, deps) => {
  const runtime = createRuntime('schedule-evaluator', env, deps);
  const evaluator = evaluatorFromRuntime(runtime);
  return async (_event: unknown, context?: Context) => evaluator.tick(context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY);
};
