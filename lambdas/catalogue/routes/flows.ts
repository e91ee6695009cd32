import type { RouteDef } from './types';

export const FLOWS_ROUTES: RouteDef[] = [];
