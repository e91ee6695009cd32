import { EnvironmentRepository } from '../flows/environment-repository';
import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { auditLogOperations } from './audit-log-http';
import { AuditLogRepository } from './audit-log-repository';
import { keyProviderFromConfig } from './key-provider-from-config';
import { SecretRepository } from './secret-repository';
import { SecretService } from './secret-service';
import { secretOperations } from './secrets-http';

/** The secrets domain's HTTP function: secrets (envelope-encrypted) and the audit log query. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-secrets', env, deps);
  const { config, aws, clock } = runtime;
  const auditTable = config.table('AuditLog');
  const secrets = new SecretService({
    ddb: aws.ddb,
    secrets: new SecretRepository(aws.ddb, config.table('Secret')),
    environments: new EnvironmentRepository(aws.ddb, config.table('Environment')),
    keyProvider: keyProviderFromConfig(runtime),
    auditTable,
    clock,
  });
  return createHttpHandler({
    domain: 'secrets',
    runtime,
    operations: {
      ...secretOperations(secrets),
      ...auditLogOperations(new AuditLogRepository(aws.ddb, auditTable)),
    },
  });
};
