export * from './secrets';
export * from './safe-strings';
export * from './trust-proxy';
