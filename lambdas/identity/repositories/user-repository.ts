import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../catalogue/roles';
import { ConflictError, ValidationError } from '../../shared/errors';
import type { TxOp } from '../../shared/dynamo/transact';

/** A user account. org_roles mirrors the user's memberships ({org_id: role}) so the authorizer
 * resolves a token with its user in one read; membership writes update both in one transaction. */
export interface UserRecord {
  user_id: string;
  email: string;
  name: string;
  org_roles: Record<string, Role>;
  created_at: string;
  updated_at: string;
}

/** The login credential of an email: unique per normalized email, holds the password hash. */
export interface CredentialRecord {
  email: string;
  user_id: string;
  password_hash: string;
  created_at: string;
}

export interface LoginState {
  credential: CredentialRecord | undefined;
  /** Failures in the current window (0 when none or the window is over). */
  failures: number;
  windowEndsEpoch: number;
}

// Item kinds of the User table, each under its own partition key prefix (see tables.ts).
export const userKey = (userId: string) => ({ pk: `user#${userId}` });
const credentialKey = (normalizedEmail: string) => ({ pk: `email#${normalizedEmail}` });
const failureKey = (normalizedEmail: string) => ({ pk: `loginfail#${normalizedEmail}` });
/** One item per platform: written with the first owner by the bootstrap, so it happens once. */
const bootstrapKey = () => ({ pk: 'bootstrap#first-owner' });

/** Attributes the authorizer reads from a user item. */
export const USER_AUTH_PROJECTION = 'user_id, email, org_roles';

export class UserRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The user and its email claim: a duplicate email cancels the whole transaction. */
  putNewUser(user: UserRecord, credential: CredentialRecord): TxOp[] {
    return [
      {
        item: { Put: { TableName: this.tableName, Item: { ...userKey(user.user_id), item_type: 'user', ...user }, ConditionExpression: 'attribute_not_exists(pk)' } },
        onConditionFailed: () => new Error(`user id collision ${user.user_id}`),
      },
      {
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...credentialKey(credential.email), item_type: 'credential', ...credential },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: () => new ValidationError([{ path: 'email', message: 'an account with this email already exists' }]),
      },
    ];
  }

  /** The platform's one bootstrap marker; a second bootstrap cancels its transaction with a 409. */
  putBootstrapMarker(userId: string, email: string, at: string): TxOp {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: { ...bootstrapKey(), item_type: 'bootstrap', user_id: userId, email, created_at: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new ConflictError('this platform is already bootstrapped: its first owner exists', 'already_bootstrapped'),
    };
  }

  async get(userId: string): Promise<UserRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: userKey(userId), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toUser(out.Item);
  }

  async getCredential(normalizedEmail: string): Promise<CredentialRecord | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: credentialKey(normalizedEmail), ConsistentRead: true }));
    return out.Item === undefined ? undefined : toCredential(out.Item);
  }

  /** Credential and failure counter of an email in one request (same work for known and unknown emails). */
  async getLoginState(normalizedEmail: string, nowEpoch: number): Promise<LoginState> {
    const keys = [credentialKey(normalizedEmail), failureKey(normalizedEmail)];
    let pending: Array<Record<string, unknown>> = keys;
    const found: Array<Record<string, unknown>> = [];
    for (let attempt = 0; pending.length > 0 && attempt < 4; attempt++) {
      const out = await this.ddb.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(out.Responses?.[this.tableName] ?? []));
      pending = (out.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, unknown>> | undefined) ?? [];
    }
    if (pending.length > 0) throw new Error('login state read was throttled');
    const credential = found.find((i) => i.pk === keys[0]!.pk);
    const failure = found.find((i) => i.pk === keys[1]!.pk);
    const windowEnds = typeof failure?.window_ends_epoch === 'number' ? failure.window_ends_epoch : 0;
    const live = failure !== undefined && windowEnds > nowEpoch;
    return {
      credential: credential === undefined ? undefined : toCredential(credential),
      failures: live && typeof failure.failures === 'number' ? failure.failures : 0,
      windowEndsEpoch: live ? windowEnds : 0,
    };
  }

  /** Counts a failed login in the current window, or opens a new window. */
  async recordLoginFailure(normalizedEmail: string, nowEpoch: number, windowSeconds: number): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: failureKey(normalizedEmail),
          UpdateExpression: 'ADD failures :one',
          ConditionExpression: 'window_ends_epoch > :now',
          ExpressionAttributeValues: { ':one': 1, ':now': nowEpoch },
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
      // No live window (none yet, or over and not yet removed by TTL): start one.
      const ends = nowEpoch + windowSeconds;
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...failureKey(normalizedEmail), item_type: 'login_failures', failures: 1, window_ends_epoch: ends, expires_at_epoch: ends },
        }),
      );
    }
  }

  async clearLoginFailures(normalizedEmail: string): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.tableName, Key: failureKey(normalizedEmail) }));
  }

  /** Mirrors a membership's role onto the user (the user must exist). */
  setOrgRole(userId: string, orgId: string, role: Role, nowIso: string, onMissing: () => Error): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: userKey(userId),
          UpdateExpression: 'SET org_roles.#org = :role, updated_at = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#org': orgId },
          ExpressionAttributeValues: { ':role': role, ':now': nowIso },
        },
      },
      onConditionFailed: onMissing,
    };
  }

  removeOrgRole(userId: string, orgId: string, nowIso: string): TxOp {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: userKey(userId),
          UpdateExpression: 'REMOVE org_roles.#org SET updated_at = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#org': orgId },
          ExpressionAttributeValues: { ':now': nowIso },
        },
      },
    };
  }
}

export function toUser(item: Record<string, unknown>): UserRecord {
  return {
    user_id: String(item.user_id),
    email: String(item.email),
    name: String(item.name ?? ''),
    org_roles: (item.org_roles ?? {}) as Record<string, Role>,
    created_at: String(item.created_at ?? ''),
    updated_at: String(item.updated_at ?? ''),
  };
}

function toCredential(item: Record<string, unknown>): CredentialRecord {
  return {
    email: String(item.email),
    user_id: String(item.user_id),
    password_hash: String(item.password_hash),
    created_at: String(item.created_at ?? ''),
  };
}
