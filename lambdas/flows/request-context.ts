import type { Role } from '../catalogue/roles';
import { roleAtLeast } from '../catalogue/roles';
import { auditActor } from '../shared/audit/audit-log';
import { BadRequestError, ValidationError } from '../shared/errors';
import { orgPrincipal } from '../shared/http/principal';
import type { ApiRequest } from '../shared/http/types';
import { isResourceName } from './resource-names';

/** Who changes what, as the services need it: org from the principal, never from the body. */
export interface Actor {
  org_id: string;
  /** For audit records ("email (api key id)" for API keys). */
  actor_email: string;
  /** For created_by fields. */
  email: string;
  ip_address: string;
  role: Role;
}

export function actorOf(request: ApiRequest): Actor {
  const principal = orgPrincipal(request.principal);
  return { ...auditActor(request), email: principal.email, role: principal.role };
}

export function isAdmin(actor: Pick<Actor, 'role'>): boolean {
  return roleAtLeast(actor.role, 'admin');
}

/** A name path parameter, checked against the name pattern (400 naming the parameter). */
export function pathName(request: ApiRequest, parameter: string): string {
  const value = request.pathParameters[parameter];
  if (!isResourceName(value)) {
    throw new ValidationError([{ path: parameter, message: 'must be 1-128 characters of A-Z a-z 0-9 _ . -' }]);
  }
  return value;
}

/**
 * The version a conditional update was based on: `If-Match` (an ETag such as "3" or W/"3") or
 * a `version` body field; undefined when the caller sent neither. Both must agree when both given.
 */
export function expectedVersion(request: ApiRequest, bodyVersion: number | undefined): number | undefined {
  const header = request.headers['if-match'];
  let fromHeader: number | undefined;
  if (header !== undefined && header !== '') {
    const text = header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    if (!/^\d{1,15}$/.test(text)) throw new BadRequestError('If-Match must carry a version number such as "3"', 'invalid_if_match');
    fromHeader = Number(text);
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new ValidationError([{ path: 'version', message: 'differs from the If-Match header' }]);
  }
  return fromHeader ?? bodyVersion;
}

export function etag(version: number): string {
  return `"${version}"`;
}
