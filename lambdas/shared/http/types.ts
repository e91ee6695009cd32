import type { Role } from '../../catalogue/roles';
import type { RouteDef } from '../../catalogue/routes';

/** Who is calling, resolved by the authorizer and the X-Dagy-Org header. */
export interface Principal {
  principal_type: 'user' | 'api_key';
  /** user_id for users, key_id for API keys. */
  principal_id: string;
  /** The user's email, or the key's creator's email for an API key. */
  email: string;
  user_id: string;
  /** The selected organization and the caller's role in it; null only on org-optional routes. */
  org_id: string | null;
  role: Role | null;
}

/** What the authorizer returns as context (API Gateway allows only flat primitive values). */
export interface AuthorizerContext {
  /** 'anonymous' when the credential was missing, malformed, unknown, revoked or expired. */
  principal_type: 'user' | 'api_key' | 'anonymous';
  /** Why an anonymous result was given (e.g. "expired"), shown in the 401 message. */
  denial?: string;
  principal_id: string;
  email: string;
  user_id: string;
  /** JSON object {org_id: role}: the organizations this credential may act in. */
  orgs: string;
}

export interface ApiRequest {
  route: RouteDef;
  requestId: string;
  method: string;
  path: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON body (undefined when the request has none). */
  body: unknown;
  principal: Principal | null;
  sourceIp: string;
  userAgent: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request handler whose principal is known (authenticated routes). */
export type Operation = (request: ApiRequest) => Promise<ApiResponse>;

/** Principal of an authenticated route with its organization selected (throws otherwise). */
export interface OrgPrincipal extends Principal {
  org_id: string;
  role: Role;
}
