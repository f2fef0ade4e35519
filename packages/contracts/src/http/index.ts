/** Every HTTP request and response shape of the platform, one file per API area. */
export * from './common';
export * from './auth';
export * from './users';
export * from './api-keys';
export * from './audit';
export * from './health';
export * from './metrics';
export * from './alerts';
export * from './chats';
export * from './models';
export * from './llm';
export * from './llm-control';
export * from './self-healing';
export * from './notifications';
