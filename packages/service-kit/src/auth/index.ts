export * from './identity';
export * from './access-token';
export * from './csrf';
