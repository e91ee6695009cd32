import { createLeaseSweeperFunction } from './lease-sweeper-app';

export const handler = createLeaseSweeperFunction(process.env);
