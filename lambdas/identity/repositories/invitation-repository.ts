import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../catalogue/roles';
import { NotFoundError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/http/pagination';
import { encodeCursor, startKeyWithin } from '../../shared/http/pagination';
import type { TxOp } from '../../shared/dynamo/transact';

// Invitations live in the Membership table (no table of their own: the 21 tables are the
// contract), in the organization's partition under sort key `invite#<invitation_id>`, so they
// never collide with a member's user_id and the member list filters them out. The table has no
// TTL attribute: expiry is checked on every read (an expired invitation is a 404) and an expired
// item stays listed as expired until an admin revokes it.

export const INVITATION_SORT_PREFIX = 'invite#';

/** A pending invitation: the token itself is never stored, only its SHA-256. */
export interface InvitationRecord {
  org_id: string;
  invitation_id: string;
  /** Normalized: the invitee's account email must equal it. */
  email: string;
  role: Role;
  /** Email of who invited (audit form: "email (api key id)" for an API key). */
  invited_by: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  expires_at_epoch: number;
}

const invitationKey = (orgId: string, invitationId: string) => ({ org_id: orgId, user_id: `${INVITATION_SORT_PREFIX}${invitationId}` });

export class InvitationRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  put(invitation: InvitationRecord): TxOp {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: { ...invitationKey(invitation.org_id, invitation.invitation_id), item_type: 'invitation', ...invitation },
          ConditionExpression: 'attribute_not_exists(user_id)',
        },
      },
      onConditionFailed: () => new Error(`invitation id collision ${invitation.invitation_id}`),
    };
  }

  async get(orgId: string, invitationId: string): Promise<InvitationRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: invitationKey(orgId, invitationId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toInvitation(out.Item);
  }

  /** The organization's invitations (pending and expired), in id order. */
  async list(orgId: string, page: PageRequest): Promise<Page<InvitationRecord>> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'org_id = :org AND begins_with(user_id, :prefix)',
        ExpressionAttributeValues: { ':org': orgId, ':prefix': INVITATION_SORT_PREFIX },
        Limit: page.limit,
        ExclusiveStartKey: startKeyWithin(page, 'org_id', orgId),
      }),
    );
    return { items: (out.Items ?? []).map(toInvitation), next_cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  /** Revocation: only an invitation that still exists. */
  remove(orgId: string, invitationId: string): TxOp {
    return {
      item: { Delete: { TableName: this.tableName, Key: invitationKey(orgId, invitationId), ConditionExpression: 'attribute_exists(user_id)' } },
      onConditionFailed: () => new NotFoundError('invitation'),
    };
  }

  /** Acceptance consumes the invitation: still there, same token, not expired (one accept wins). */
  consume(invitation: InvitationRecord, nowEpoch: number): TxOp {
    return {
      item: {
        Delete: {
          TableName: this.tableName,
          Key: invitationKey(invitation.org_id, invitation.invitation_id),
          ConditionExpression: 'token_hash = :hash AND expires_at_epoch > :now',
          ExpressionAttributeValues: { ':hash': invitation.token_hash, ':now': nowEpoch },
        },
      },
      onConditionFailed: () => new NotFoundError('invitation'),
    };
  }
}

function toInvitation(item: Record<string, unknown>): InvitationRecord {
  return {
    org_id: String(item.org_id),
    invitation_id: String(item.invitation_id),
    email: String(item.email),
    role: item.role as Role,
    invited_by: String(item.invited_by ?? ''),
    token_hash: String(item.token_hash),
    created_at: String(item.created_at ?? ''),
    expires_at: String(item.expires_at ?? ''),
    expires_at_epoch: Number(item.expires_at_epoch ?? 0),
  };
}
