export * from './database';
export * from './redis';
export * from './logger';
export * from './amqp';
export * from './fakes/ollama';
export * from './service-infra';
export * from './fakes/docker-engine';
export * from './fakes/telegram';
