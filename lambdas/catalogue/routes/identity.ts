import type { RouteDef } from './types';

export const IDENTITY_ROUTES: RouteDef[] = [];
