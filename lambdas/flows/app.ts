import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { deploymentOperations } from './deployments-http';
import { draftOperations } from './drafts-http';
import { environmentOperations } from './environments-http';
import { flowOperations } from './flows-http';
import { createFlowsServices } from './services';

/** The flows domain's HTTP function: flows, artifacts, deployments, environments, drafts. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-flows', env, deps);
  const services = createFlowsServices(runtime);
  return createHttpHandler({
    domain: 'flows',
    runtime,
    operations: {
      ...flowOperations(services.flows),
      ...deploymentOperations(services.deployments),
      ...environmentOperations(services.environments),
      ...draftOperations(services.drafts),
    },
  });
};
