import type { RouteDef } from './types';

export const SCHEDULING_ROUTES: RouteDef[] = [];
