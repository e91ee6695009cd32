import type { RouteDef } from './types';

export const EXECUTION_ROUTES: RouteDef[] = [];
