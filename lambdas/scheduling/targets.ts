import { DeploymentRepository } from '../flows/deployment-repository';
import { FlowRepository } from '../flows/flow-repository';
import type { Runtime } from '../shared/runtime';
import type { ScheduleTargets } from './schedule-service';

/**
 * Flows and deployments as schedules and sensors see them (does a target exist in the
 * organization?), read through the flows domain's repositories.
 */
export function flowTargets(runtime: Runtime): ScheduleTargets {
  const { ddb } = runtime.aws;
  const deployments = new DeploymentRepository(ddb, runtime.config.table('Deployment'));
  const flows = new FlowRepository(ddb, runtime.config.table('Flow'));
  return {
    deployment: async (orgId, name) => {
      const d = await deployments.get(orgId, name);
      return d === null ? null : { flow_name: d.flow_name };
    },
    flowVersionExists: async (orgId, flowName, flowVersion) => (await flows.get(orgId, flowName, flowVersion)) !== null,
  };
}
