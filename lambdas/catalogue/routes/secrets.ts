import type { RouteDef } from './types';

export const SECRETS_ROUTES: RouteDef[] = [];
