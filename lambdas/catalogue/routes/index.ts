import { EXECUTION_ROUTES } from './execution';
import { FLOWS_ROUTES } from './flows';
import { IDENTITY_ROUTES } from './identity';
import { PLATFORM_ROUTES } from './platform';
import { SCHEDULING_ROUTES } from './scheduling';
import { SECRETS_ROUTES } from './secrets';
import { SENSORS_ROUTES } from './sensors';
import { ALERTS_ROUTES } from './alerts';
import { USAGE_ROUTES } from './usage';
import type { RouteDef } from './types';
import { routeKey } from './types';

export type { RouteDef, HttpMethod } from './types';
export { routeKey, DEFAULT_BODY_LIMIT, isOrgOptional } from './types';
export { createRouteMatcher, type RouteMatch } from './match';

/** Every HTTP route of Dagy: API Gateway and the local gateway are both built from this list. */
export const ROUTES: RouteDef[] = [
  ...PLATFORM_ROUTES,
  ...IDENTITY_ROUTES,
  ...FLOWS_ROUTES,
  ...SECRETS_ROUTES,
  ...EXECUTION_ROUTES,
  ...SCHEDULING_ROUTES,
  ...SENSORS_ROUTES,
  ...ALERTS_ROUTES,
  ...USAGE_ROUTES,
];

const byKey = new Map(ROUTES.map((r) => [routeKey(r), r]));
if (byKey.size !== ROUTES.length) throw new Error('routes catalogue: duplicate method+path');

export function findRoute(key: string): RouteDef | undefined {
  return byKey.get(key);
}
