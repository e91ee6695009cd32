import { ENV } from '../catalogue/environment';
import { runStarterFromRuntime } from '../execution/run-starter';
import type { Runtime } from '../shared/runtime';
import { startRunWith } from '../scheduling/run-trigger';
import { SensorRepository } from './sensor-repository';
import { sensorFiredPublisher, type SensorRunDeps } from './sensor-runs';

/** What every sensor function needs to start runs, from its runtime. */
export function sensorRunDeps(runtime: Runtime, options: { auditTable?: string } = {}): SensorRunDeps & { repo: SensorRepository } {
  return {
    repo: new SensorRepository(runtime.aws.ddb, runtime.config.table('Sensor')),
    startRun: startRunWith(runStarterFromRuntime(runtime, options)),
    publishFired: sensorFiredPublisher(runtime.aws.events, runtime.config.required(ENV.eventBusName), runtime.logger),
    clock: runtime.clock,
  };
}
