import winston from 'winston';
import { currentRequestId } from './context';

/** A log field as text for the pretty format: strings as they are, anything else as JSON. */
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'debug';

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** `json` for production (one object a line), `pretty` for a person at a terminal. */
  format?: 'json' | 'pretty';
  /** Extra transports, e.g. a memory stream in tests. */
  transports?: winston.transport[];
}

/** Every line carries the request id of the work it belongs to, without callers passing it around. */
const withRequestId = winston.format((info) => {
  const requestId = currentRequestId();
  if (requestId && info.requestId === undefined) info.requestId = requestId;
  return info;
});

/** Defence in depth: a secret that slips into log metadata is masked, never written. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|cookie/i;
const maskSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEY.test(key) && typeof info[key] === 'string') info[key] = '***';
  }
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  const format =
    options.format === 'pretty'
      ? winston.format.combine(
          withRequestId(),
          maskSecrets(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.errors({ stack: true }),
          winston.format.colorize(),
          winston.format.printf(({ timestamp, level, message, service, module, stack, ...meta }) => {
            const scope = module ? `${text(service)}/${text(module)}` : text(service);
            const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
            return `${text(timestamp)} ${level} [${scope}] ${text(message)}${rest}${stack ? `\n${text(stack)}` : ''}`;
          }),
        )
      : winston.format.combine(
          withRequestId(),
          maskSecrets(),
          winston.format.timestamp(),
          winston.format.errors({ stack: true }),
          winston.format.json(),
        );

  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service },
    format,
    transports: options.transports ?? [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

/** Turns an unknown thrown value into log metadata without leaking anything that is not an Error. */
export function errorMeta(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const meta: Record<string, unknown> = { err: error.message, errName: error.name };
    if (error.stack) meta.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') meta.errCode = code;
    return meta;
  }
  return { err: String(error) };
}
