import { egressPolicyOf } from '../shared/egress';
import type { Runtime } from '../shared/runtime';
import { ArtifactStore } from './artifact-store';
import { DeploymentRepository } from './deployment-repository';
import { DeploymentService } from './deployment-service';
import { DraftRepository } from './draft-repository';
import { DraftService } from './draft-service';
import { EnvironmentRepository } from './environment-repository';
import { EnvironmentService } from './environment-service';
import { FlowRepository } from './flow-repository';
import { FlowService } from './flow-service';
import { UsageRepository } from '../usage/usage-repository';

export interface FlowsServices {
  flows: FlowService;
  deployments: DeploymentService;
  environments: EnvironmentService;
  drafts: DraftService;
}

/** The flows domain's services over the function's bound tables and bucket. */
export function createFlowsServices(runtime: Runtime): FlowsServices {
  const { config, aws, clock } = runtime;
  const ddb = aws.ddb;
  const auditTable = config.table('AuditLog');
  const flowRepo = new FlowRepository(ddb, config.table('Flow'));
  const environmentRepo = new EnvironmentRepository(ddb, config.table('Environment'));
  const artifacts = new ArtifactStore(aws.s3, config.bucket('artifacts'));
  const usage = new UsageRepository({ ddb, eventsTable: config.table('UsageEvent'), aggregatesTable: config.table('UsageAggregate'), clock });
  const flows = new FlowService({ ddb, flows: flowRepo, artifacts, auditTable, clock, egress: egressPolicyOf(config), usage });
  return {
    flows,
    deployments: new DeploymentService({
      ddb,
      deployments: new DeploymentRepository(ddb, config.table('Deployment')),
      environments: environmentRepo,
      flows: flowRepo,
      auditTable,
      scheduleTable: config.table('Schedule'),
      clock,
    }),
    environments: new EnvironmentService({ ddb, environments: environmentRepo, auditTable, clock }),
    drafts: new DraftService({ ddb, drafts: new DraftRepository(ddb, config.table('DagDraft')), artifacts, flowService: flows, auditTable, clock }),
  };
}
