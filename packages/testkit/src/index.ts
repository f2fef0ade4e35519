export * from './database';
export * from './redis';
export * from './logger';
export * from './amqp';
export * from './fakes/ollama';
export * from './service-infra';
<<<<<<< HEAD
export * from './fakes/telegram';
=======
export * from './fakes/docker-engine';
>>>>>>> healing
