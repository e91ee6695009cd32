// How a sensor starts a run: its target, its flow_params under the trigger's own parameters,
// an idempotency key that makes the same trigger (event, delivery, change) one run, and
// last_triggered_at plus a "Sensor Fired" event once a run was created.
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EMITTED_EVENTS } from '../catalogue/events';
import type { JsonObject } from '../engine';
import { isoNow, type Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { targetFields, type StartRun, type TriggeredRun } from '../scheduling/run-trigger';
import type { SensorRecord } from './sensor-record';
import type { SensorRepository } from './sensor-repository';

export interface SensorFired {
  sensor: SensorRecord;
  run_id: string;
  occurred_at: string;
}

export type PublishSensorFired = (fired: SensorFired) => Promise<void>;

/** "Sensor Fired" on the Dagy bus; a lost notification is logged, never undoes the run. */
export function sensorFiredPublisher(events: EventBridgeClient, busName: string, logger: Logger): PublishSensorFired {
  return async ({ sensor, run_id, occurred_at }) => {
    try {
      await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: EMITTED_EVENTS.sensorFired.source,
              DetailType: EMITTED_EVENTS.sensorFired.detailType,
              Detail: JSON.stringify({
                org_id: sensor.org_id,
                sensor_id: sensor.sensor_id,
                sensor_type: sensor.sensor_type,
                flow_name: sensor.flow_name,
                deployment_name: sensor.deployment_name,
                run_id,
                occurred_at,
              }),
            },
          ],
        }),
      );
    } catch (error) {
      logger.error('sensor fired event not published', { sensor_id: sensor.sensor_id, error: error instanceof Error ? error.message : String(error) });
    }
  };
}

export interface SensorRunDeps {
  repo: SensorRepository;
  startRun: StartRun;
  publishFired: PublishSensorFired;
  clock: Clock;
}

/** Starts the sensor's run for one trigger; a repeated trigger (same key) gets the same run. */
export async function startSensorRun(
  deps: SensorRunDeps,
  sensor: SensorRecord,
  triggerParameters: JsonObject,
  idempotencyKey: string,
  actor: string,
  audit?: { ip_address: string },
): Promise<TriggeredRun> {
  const result = await deps.startRun({
    org_id: sensor.org_id,
    ...targetFields(sensor),
    parameters: { ...sensor.flow_params, ...triggerParameters },
    idempotency_key: idempotencyKey,
    trigger: { type: 'sensor', id: sensor.sensor_id },
    actor_email: actor,
    ...(audit === undefined ? {} : { audit }),
  });
  if (result.created) {
    const now = isoNow(deps.clock);
    await deps.repo.touchTriggered(sensor.org_id, sensor.sensor_id, now);
    await deps.publishFired({ sensor, run_id: result.run.run_id, occurred_at: now });
  }
  return result;
}
