import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { createPlanLimitCheck } from '../billing/plan-limit-check';
import { identityOperations } from './http-operations';
import { loadIdentitySettings } from './identity-config';
import { createIdentityStore } from './repositories/identity-store';
import { AccessLogService } from './services/access-log-service';
import { ApiKeyService } from './services/api-key-service';
import { AuthService } from './services/auth-service';
import { MemberService } from './services/member-service';
import { OrganizationService } from './services/organization-service';
import { ProfileService } from './services/profile-service';

/** The identity domain's HTTP function: one router for all of its catalogued routes. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-identity', env, deps);
  const settings = loadIdentitySettings(runtime.config);
  const store = createIdentityStore(runtime);
  const { clock } = runtime;
  return createHttpHandler({
    domain: 'identity',
    runtime,
    operations: identityOperations({
      auth: new AuthService(store, clock, settings),
      profile: new ProfileService(store),
      orgs: new OrganizationService(store, clock),
      members: new MemberService(store, clock, createPlanLimitCheck(runtime.aws.ddb, runtime.config.table('Subscription'))),
      apiKeys: new ApiKeyService(store, clock),
      accessLogs: new AccessLogService(store),
    }),
  });
};
