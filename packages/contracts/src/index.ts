export * from './envelope';
export * from './events';
export * from './jobs';
export * from './documents';
export * from './search';
export * from './http/self-healing';
export * from './http/notifications';
