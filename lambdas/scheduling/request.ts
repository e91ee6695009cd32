import { auditActor } from '../shared/audit/audit-log';
import { BadRequestError, NotFoundError } from '../shared/errors';
import type { ApiRequest } from '../shared/http/types';

const ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** A path id; one that could never exist is simply not found. */
export function pathId(request: ApiRequest, parameter: string, what: string): string {
  const value = request.pathParameters[parameter];
  if (value === undefined || !ID.test(value)) throw new NotFoundError(what);
  return value;
}

/** The version an `If-Match` header pins (an ETag such as "3" or W/"3"), if any. */
export function ifMatchVersion(request: ApiRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header === '') return undefined;
  const text = header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (!/^\d{1,15}$/.test(text)) throw new BadRequestError('If-Match must carry a version number such as "3"', 'invalid_if_match');
  return Number(text);
}

export function etag(version: number): string {
  return `"${version}"`;
}

/** Org, actor and IP of an authenticated request (for services and their audit records). */
export const actorOf = auditActor;
