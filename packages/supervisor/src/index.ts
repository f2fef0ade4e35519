export * from './services';
export * from './managed-process';
export * from './supervisor';
export * from './control-server';
export * from './rotating-log';
export * from './supervisor-events';
