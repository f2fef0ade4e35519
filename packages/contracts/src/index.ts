export * from './envelope';
export * from './events';
export * from './jobs';
export * from './http';
export * from './documents';
export * from './search';
