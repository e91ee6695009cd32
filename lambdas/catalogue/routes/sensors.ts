import type { RouteDef } from './types';

export const SENSORS_ROUTES: RouteDef[] = [];
