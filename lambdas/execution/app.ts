import { ENV } from '../catalogue/environment';
import { EnvironmentRepository } from '../flows/environment-repository';
import { FlowRepository } from '../flows/flow-repository';
import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { runStarterFromRuntime } from './run-starter';
import { createRunStores } from './run-stores';
import { runsOperations } from './runs/runs-http';
import { RunsService } from './runs/runs-service';

/** The execution domain's HTTP function: one router for all of its catalogued routes. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-execution', env, deps);
  const { config, aws, clock, logger } = runtime;
  const { runs, taskRuns, events, ledger } = createRunStores(runtime);
  const auditTable = config.table('AuditLog');
  const service = new RunsService({
    environments: new EnvironmentRepository(aws.ddb, config.table('Environment')),
    runs,
    taskRuns,
    events,
    starter: runStarterFromRuntime(runtime, { auditTable }),
    flows: new FlowRepository(aws.ddb, config.table('Flow')),
    s3: aws.s3,
    artifactsBucket: config.bucket('artifacts'),
    sfn: aws.sfn,
    ecs: aws.ecs,
    ecsCluster: config.required(ENV.ecsCluster),
    auditTable,
    clock,
    logger,
    ledger,
  });
  return createHttpHandler({
    domain: 'execution',
    runtime,
    operations: runsOperations(service),
  });
};
