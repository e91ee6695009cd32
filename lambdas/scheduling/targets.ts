import { parseFlowSpec, type JsonObject } from '../engine';
import { DeploymentRepository } from '../flows/deployment-repository';
import { FlowRepository } from '../flows/flow-repository';
import type { Runtime } from '../shared/runtime';
import type { ScheduleTargets } from './schedule-service';

/**
 * Flows and deployments as schedules and sensors see them (does a target exist in the
 * organization, what do its runs' parameters have to satisfy?), read through the flows domain's
 * repositories.
 */
export function flowTargets(runtime: Runtime): ScheduleTargets {
  const { ddb } = runtime.aws;
  const deployments = new DeploymentRepository(ddb, runtime.config.table('Deployment'));
  const flows = new FlowRepository(ddb, runtime.config.table('Flow'));
  return {
    deployment: async (orgId, name) => {
      const d = await deployments.get(orgId, name);
      return d === null ? null : { flow_name: d.flow_name, flow_version: d.flow_version, parameters: (d.parameters ?? {}) as JsonObject };
    },
    flowVersion: async (orgId, flowName, flowVersion) => {
      const flow = await flows.get(orgId, flowName, flowVersion);
      if (flow === null) return null;
      // Stored specs were validated at registration; parse for the normalized parameters schema.
      return { parameters_schema: parseFlowSpec(JSON.parse(flow.flow_spec_json) as unknown).parameters as JsonObject | undefined };
    },
  };
}
