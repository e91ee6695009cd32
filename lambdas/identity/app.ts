import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { handleBootstrap, isBootstrapEvent, type BootstrapEvent, type BootstrapResult } from './bootstrap';
import { createPlanLimitCheck } from '../billing/plan-limit-check';
import { identityOperations } from './http-operations';
import { loadIdentitySettings } from './identity-config';
import { createIdentityStore } from './repositories/identity-store';
import { AccessLogService } from './services/access-log-service';
import { ApiKeyService } from './services/api-key-service';
import { AuthService } from './services/auth-service';
import { InvitationService } from './services/invitation-service';
import { MemberService } from './services/member-service';
import { OrganizationService } from './services/organization-service';
import { ProfileService } from './services/profile-service';

/** The identity domain's HTTP function: one router for all of its catalogued routes, plus the
 * operator-only bootstrap event (lambdas/identity/bootstrap.ts). */
export const createFunction: FunctionFactory<HttpEvent | BootstrapEvent, HttpResult | BootstrapResult> = (env, deps) => {
  const runtime = createRuntime('http-identity', env, deps);
  const settings = loadIdentitySettings(runtime.config);
  const store = createIdentityStore(runtime);
  const { clock } = runtime;
  const members = new MemberService(store, clock, createPlanLimitCheck(runtime.aws.ddb, { subscription: runtime.config.table('Subscription'), usageAggregate: runtime.config.table('UsageAggregate') }, runtime.clock));
  const auth = new AuthService(store, clock, settings);
  const http = createHttpHandler({
    domain: 'identity',
    runtime,
    operations: identityOperations({
      auth,
      profile: new ProfileService(store),
      orgs: new OrganizationService(store, clock),
      members,
      invitations: new InvitationService(store, members, clock),
      apiKeys: new ApiKeyService(store, clock),
      accessLogs: new AccessLogService(store),
    }),
  });
  return async (event, context) => (isBootstrapEvent(event) ? handleBootstrap(event, auth) : http(event, context));
};
