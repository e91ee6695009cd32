// The target of a schedule or sensor: a deployment, or a flow name with its version, which must
// exist in the caller's organization (another organization's is reported as not existing).
import type { JsonObject } from '../engine';
import { ValidationError, type ErrorDetail } from '../shared/errors';

/** What schedules and sensors need to know about flows and deployments (the flows domain owns them). */
export interface ScheduleTargets {
  deployment(orgId: string, deploymentName: string): Promise<{ flow_name: string; flow_version: string; parameters: JsonObject } | null>;
  /** The flow version's run parameters schema (undefined: none), or null when there is no such version. */
  flowVersion(orgId: string, flowName: string, flowVersion: string): Promise<{ parameters_schema: JsonObject | undefined } | null>;
}

export interface RunTarget {
  flow_name: string;
  flow_version: string | null;
  deployment_name: string | null;
}

/** A resolved target, with what a run of it checks its parameters against. */
export interface ResolvedTarget {
  target: RunTarget;
  /** The pinned flow version's parameters schema (undefined: anything goes). */
  parameters_schema: JsonObject | undefined;
  /** Defaults a run's parameters are merged over (a deployment's). */
  base_parameters: JsonObject;
}

/** Exactly one target: a deployment, or a flow name with its version. */
export function targetShapeIssues(body: Record<string, unknown>): ErrorDetail[] {
  const has = (k: string) => body[k] !== undefined && body[k] !== null;
  if (has('deployment_name')) {
    return has('flow_version') ? [{ path: 'flow_version', message: 'a deployment target takes its flow version from the deployment' }] : [];
  }
  const issues: ErrorDetail[] = [];
  if (!has('flow_name')) issues.push({ path: 'flow_name', message: 'is required unless deployment_name is given' });
  if (!has('flow_version')) issues.push({ path: 'flow_version', message: 'is required unless deployment_name is given' });
  return issues;
}

/** The target must exist in the caller's organization; a deployment target brings its flow. */
export async function resolveTarget(targets: ScheduleTargets, orgId: string, input: Partial<Record<'deployment_name' | 'flow_name' | 'flow_version', string>>): Promise<ResolvedTarget> {
  if (input.deployment_name !== undefined) {
    const deployment = await targets.deployment(orgId, input.deployment_name);
    if (deployment === null) throw new ValidationError([{ path: 'deployment_name', message: 'no such deployment in this organization' }]);
    if (input.flow_name !== undefined && input.flow_name !== deployment.flow_name) {
      throw new ValidationError([{ path: 'flow_name', message: `deployment ${input.deployment_name} runs flow ${deployment.flow_name}` }]);
    }
    const flow = await targets.flowVersion(orgId, deployment.flow_name, deployment.flow_version);
    return {
      target: { flow_name: deployment.flow_name, flow_version: null, deployment_name: input.deployment_name },
      parameters_schema: flow?.parameters_schema,
      base_parameters: deployment.parameters,
    };
  }
  const flowName = input.flow_name!;
  const flowVersion = input.flow_version!;
  const flow = await targets.flowVersion(orgId, flowName, flowVersion);
  if (flow === null) {
    throw new ValidationError([{ path: 'flow_version', message: `flow ${flowName} has no version ${flowVersion} in this organization` }]);
  }
  return { target: { flow_name: flowName, flow_version: flowVersion, deployment_name: null }, parameters_schema: flow.parameters_schema, base_parameters: {} };
}
