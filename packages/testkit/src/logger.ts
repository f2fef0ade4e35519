import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '@arasul/service-kit';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines: () => Record<string, unknown>[];
}

/** A real winston logger whose lines a test can read (e.g. to prove a secret was never logged). */
export function createCapturedLogger(
  service = 'test',
  level: 'debug' | 'info' | 'warn' = 'debug',
): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({
    service,
    level,
    format: 'json',
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines: () => [...lines] };
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return createLogger({ service: 'test', transports: [new winston.transports.Console({ silent: true })] });
}
