export * from './envelope';
export * from './events';
export * from './jobs';
<<<<<<< HEAD
export * from './http/notifications';
=======
export * from './http/self-healing';
>>>>>>> healing
