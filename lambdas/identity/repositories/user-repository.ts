import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

/** A login-attempt counter's verdict: taken, or refused until the window ends. */
export type AttemptVerdict = { taken: true } | { taken: false; windowEndsEpoch: number };

/** What a login-attempt counter counts: failures per email, or per source address. */
export type AttemptCounter = { email: string } | { source: string };

// Item kinds of the User table, each under its own partition key prefix (see tables.ts).
export const userKey = (userId: string) => ({ pk: `user#${userId}` });
const credentialKey = (normalizedEmail: string) => ({ pk: `email#${normalizedEmail}` });
const failureKey = (normalizedEmail: string) => ({ pk: `loginfail#${normalizedEmail}` });
const sourceKey = (sourceAddress: string) => ({ pk: `loginsrc#${sourceAddress}` });
const counterKey = (counter: AttemptCounter) => ('email' in counter ? failureKey(counter.email) : sourceKey(counter.source));
/** Rounds of "the window was opened or closed under us" before giving up (each is a real race). */
const ATTEMPT_ROUNDS = 5;
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

  /**
   * Takes one login attempt from a counter, atomically, BEFORE the password is checked: an
   * UpdateItem ADD conditional on a live window with room left, so N parallel attempts can never
   * all pass a read-then-write check. The window opens with its first attempt and lasts
   * `windowSeconds` (the item's TTL); a full counter refuses until the window ends. A successful
   * login gives its attempt back (releaseAttempt) or clears the counter.
   */
  async takeAttempt(counter: AttemptCounter, nowEpoch: number, windowSeconds: number, max: number): Promise<AttemptVerdict> {
    const key = counterKey(counter);
    for (let round = 0; round < ATTEMPT_ROUNDS; round++) {
      try {
        await this.ddb.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'ADD failures :one',
            ConditionExpression: 'window_ends_epoch > :now AND failures < :max',
            ExpressionAttributeValues: { ':one': 1, ':now': nowEpoch, ':max': max },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { taken: true };
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        // The item as the refused write saw it (raw attribute values, not unmarshalled).
        const old = (error as { Item?: Record<string, { N?: string }> }).Item;
        const windowEnds = Number(old?.window_ends_epoch?.N ?? 0);
        if (windowEnds > nowEpoch) return { taken: false, windowEndsEpoch: windowEnds };
      }
      // No live window (none yet, or over and not yet removed by TTL): open one with this attempt.
      // Conditional too: of two openers one wins, the other goes round and counts in its window.
      const ends = nowEpoch + windowSeconds;
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, item_type: 'login_failures', failures: 1, window_ends_epoch: ends, expires_at_epoch: ends },
            ConditionExpression: 'attribute_not_exists(pk) OR window_ends_epoch <= :now',
            ExpressionAttributeValues: { ':now': nowEpoch },
          }),
        );
        return { taken: true };
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    throw new Error('login attempt counter kept changing under concurrent writes');
  }

  /** Gives back an attempt taken for a login that succeeded (while its window lives). */
  async releaseAttempt(counter: AttemptCounter, nowEpoch: number): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter),
          UpdateExpression: 'ADD failures :minus',
          ConditionExpression: 'window_ends_epoch > :now AND failures > :zero',
          ExpressionAttributeValues: { ':minus': -1, ':now': nowEpoch, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async clearAttempts(counter: AttemptCounter): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.tableName, Key: counterKey(counter) }));
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

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
