// The target of a schedule or sensor: a deployment, or a flow name with its version, which must
// exist in the caller's organization (another organization's is reported as not existing).
import { ValidationError, type ErrorDetail } from '../shared/errors';

/** What schedules and sensors need to know about flows and deployments (the flows domain owns them). */
export interface ScheduleTargets {
  deployment(orgId: string, deploymentName: string): Promise<{ flow_name: string } | null>;
  flowVersionExists(orgId: string, flowName: string, flowVersion: string): Promise<boolean>;
}

export interface RunTarget {
  flow_name: string;
  flow_version: string | null;
  deployment_name: string | null;
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
export async function resolveTarget(targets: ScheduleTargets, orgId: string, input: Partial<Record<'deployment_name' | 'flow_name' | 'flow_version', string>>): Promise<RunTarget> {
  if (input.deployment_name !== undefined) {
    const deployment = await targets.deployment(orgId, input.deployment_name);
    if (deployment === null) throw new ValidationError([{ path: 'deployment_name', message: 'no such deployment in this organization' }]);
    if (input.flow_name !== undefined && input.flow_name !== deployment.flow_name) {
      throw new ValidationError([{ path: 'flow_name', message: `deployment ${input.deployment_name} runs flow ${deployment.flow_name}` }]);
    }
    return { flow_name: deployment.flow_name, flow_version: null, deployment_name: input.deployment_name };
  }
  const flowName = input.flow_name!;
  const flowVersion = input.flow_version!;
  if (!(await targets.flowVersionExists(orgId, flowName, flowVersion))) {
    throw new ValidationError([{ path: 'flow_version', message: `flow ${flowName} has no version ${flowVersion} in this organization` }]);
  }
  return { flow_name: flowName, flow_version: flowVersion, deployment_name: null };
}
