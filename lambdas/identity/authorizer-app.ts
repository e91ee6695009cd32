import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { AuthorizerContext } from '../shared/http/types';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { CredentialResolver } from './credential-resolver';
import { ApiKeyRepository } from './repositories/api-key-repository';
import { SessionStore } from './repositories/session-store';

export type AuthorizerEvent = Pick<APIGatewayRequestAuthorizerEventV2, 'headers' | 'identitySource'> & Partial<APIGatewayRequestAuthorizerEventV2>;
export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

function authorizationHeader(event: AuthorizerEvent): string | undefined {
  // The identity source is the Authorization header (also the result cache key).
  const fromSource = event.identitySource?.[0];
  if (fromSource !== undefined && fromSource !== '') return fromSource;
  for (const [name, value] of Object.entries(event.headers ?? {})) if (name.toLowerCase() === 'authorization') return value;
  return undefined;
}

/**
 * The HTTP API Lambda authorizer (REQUEST, simple responses). Invalid credentials are let through
 * as 'anonymous' with a reason so the HTTP stack answers 401 in the one error shape; API Gateway
 * would answer a bare 403 for isAuthorized=false.
 */
export const createFunction: FunctionFactory<AuthorizerEvent, AuthorizerResult> = (env, deps) => {
  const runtime = createRuntime('authorizer', env, deps);
  const { config, aws, clock, logger } = runtime;
  const resolver = new CredentialResolver(
    new SessionStore(aws.ddb, config.table('AccessToken'), config.table('User')),
    new ApiKeyRepository(aws.ddb, config.table('ApiKey')),
    clock,
  );
  return async (event) => {
    const context = await resolver.resolve(authorizationHeader(event));
    if (context.principal_type === 'anonymous') logger.info('credential refused', { denial: context.denial });
    return { isAuthorized: true, context };
  };
};
