import type { Runtime } from '../../shared/runtime';
import { AccessLogRepository } from './access-log-repository';
import { AccessTokenRepository } from './access-token-repository';
import { ApiKeyRepository } from './api-key-repository';
import { AuditWrites } from './audit-writes';
import { InvitationRepository } from './invitation-repository';
import { MembershipRepository } from './membership-repository';
import { OrganizationRepository } from './organization-repository';
import { transact, type TxOp } from '../../shared/dynamo/transact';
import { UserRepository } from './user-repository';

/** Every repository of the identity domain, and the transaction that spans them. */
export interface IdentityStore {
  users: UserRepository;
  tokens: AccessTokenRepository;
  orgs: OrganizationRepository;
  members: MembershipRepository;
  invitations: InvitationRepository;
  apiKeys: ApiKeyRepository;
  accessLogs: AccessLogRepository;
  audit: AuditWrites;
  transact(ops: TxOp[]): Promise<void>;
}

export function createIdentityStore(runtime: Runtime): IdentityStore {
  const { config, aws } = runtime;
  const ddb = aws.ddb;
  return {
    users: new UserRepository(ddb, config.table('User')),
    tokens: new AccessTokenRepository(ddb, config.table('AccessToken')),
    orgs: new OrganizationRepository(ddb, config.table('Organization'), config.table('Environment')),
    members: new MembershipRepository(ddb, config.table('Membership')),
    invitations: new InvitationRepository(ddb, config.table('Membership')),
    apiKeys: new ApiKeyRepository(ddb, config.table('ApiKey')),
    accessLogs: new AccessLogRepository(ddb, config.table('AccessLog')),
    audit: new AuditWrites(config.table('AuditLog')),
    transact: (ops) => transact(ddb, ops),
  };
}
