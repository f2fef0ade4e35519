export * from './envelope';
export * from './events';
export * from './jobs';
export * from './documents';
export * from './search';
