export * from './entities';
export * from './tables';
export * from './roles';
export * from './functions';
export * from './environment';
export * from './events';
export * from './routes';
export * from './observability';
