import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accessTokenKey, toAccessToken, type AccessTokenRecord } from './access-token-repository';
import { USER_AUTH_PROJECTION, userKey } from './user-repository';
import type { Role } from '../../catalogue/roles';

export interface SessionUser {
  user_id: string;
  email: string;
  org_roles: Record<string, Role>;
}

export interface Session {
  token: AccessTokenRecord | undefined;
  user: SessionUser | undefined;
}

/**
 * The authorizer's one read for an access token: the token item and its user (whose org_roles
 * mirror the memberships) in a single BatchGetItem, possible because the token names its user.
 */
export class SessionStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tokenTable: string,
    private readonly userTable: string,
  ) {}

  async load(tokenHash: string, userId: string): Promise<Session> {
    let request: Record<string, { Keys: Array<Record<string, unknown>>; ProjectionExpression?: string }> = {
      [this.tokenTable]: { Keys: [accessTokenKey(tokenHash)] },
      [this.userTable]: { Keys: [userKey(userId)], ProjectionExpression: USER_AUTH_PROJECTION },
    };
    let token: AccessTokenRecord | undefined;
    let user: SessionUser | undefined;
    // UnprocessedKeys happen only under throttling; retry what is left a few times.
    for (let attempt = 0; Object.keys(request).length > 0 && attempt < 4; attempt++) {
      const out = await this.ddb.send(new BatchGetCommand({ RequestItems: request }));
      const t = out.Responses?.[this.tokenTable]?.[0];
      if (t !== undefined) token = toAccessToken(t);
      const u = out.Responses?.[this.userTable]?.[0];
      if (u !== undefined) user = { user_id: String(u.user_id), email: String(u.email), org_roles: (u.org_roles ?? {}) as Record<string, Role> };
      request = (out.UnprocessedKeys ?? {}) as typeof request;
    }
    if (Object.keys(request).length > 0) throw new Error('session read was throttled');
    return { token, user };
  }
}
