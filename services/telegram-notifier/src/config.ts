import { z } from 'zod';
import { type Env, commonEnvShape, env, loadConfig, loadConfigOrExit } from '@arasul/service-kit/config';

export const notifierEnvSchema = z.object({
  ...commonEnvShape,
  TELEGRAM_NOTIFIER_PORT: env.port(8086),
  TELEGRAM_NOTIFIER_HOST: z.string().default('127.0.0.1'),
  INTERNAL_SECRET: z.string().min(32, 'INTERNAL_SECRET must be at least 32 characters'),
  /**
   * Encrypts bot tokens and webhook secrets at rest (AES-256-GCM, key derived with HKDF). Its own secret,
   * never the JWT secret. Missing: the service runs and says `no_encryption_key`, but stores no token.
   */
  TELEGRAM_ENCRYPTION_KEY: z
    .string()
    .min(32, 'TELEGRAM_ENCRYPTION_KEY must be at least 32 characters')
    .optional(),
  /**
   * Where this box is reachable from the internet (https://…, the gateway). Set: Telegram delivers bot
   * updates to `<PUBLIC_URL>/api/telegram/webhook` (setWebhook with a secret token); unset: long polling.
   */
  PUBLIC_URL: z.url().optional(),
  /** Telegram's Bot API root; a test points it at the fake. */
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  /** llm-queue for /ask and /docs (RAG). */
  LLM_QUEUE_URL: z.url().default('http://127.0.0.1:8082'),
  /** metrics-collector for /metrics and /ack. */
  METRICS_URL: z.url().default('http://127.0.0.1:8083'),
  /** The self-healing agent for /services and /restart. */
  SELF_HEALING_URL: z.url().default('http://127.0.0.1:8085'),
  /** Per call to another service (not the streamed answers). */
  NOTIFIER_PLATFORM_TIMEOUT_MS: env.int(10_000, 500, 120_000),
  /** How long /ask and /docs wait for llm-queue (the question may wait in the queue behind interactive chats). */
  NOTIFIER_ASK_TIMEOUT_MS: env.int(300_000, 5000, 1_800_000),
  /** At most one edit of a streamed answer per this interval in a private chat (groups: at least 3 s). */
  NOTIFIER_STREAM_EDIT_INTERVAL_MS: env.int(1500, 100, 10_000),
  /** Per Bot API call. */
  TELEGRAM_REQUEST_TIMEOUT_MS: env.int(10_000, 1000, 60_000),
  /** getUpdates long-poll timeout. */
  TELEGRAM_POLL_TIMEOUT_S: env.int(25, 0, 50),
  /** The outbox worker looks for due messages at least this often. */
  NOTIFIER_DISPATCH_INTERVAL_MS: env.int(250, 20, 10_000),
  NOTIFIER_DISPATCH_BATCH: env.int(50, 1, 500),
  /** Delivery attempts before a message is `failed`; back-off doubles from 5 s up to 1 h, so ≈ 7 h in all. */
  NOTIFIER_MAX_ATTEMPTS: env.int(14, 1, 50),
  /** Outgoing webhook timeout. */
  NOTIFIER_WEBHOOK_TIMEOUT_MS: env.int(5000, 500, 30_000),
  /** Events consumed concurrently. */
  NOTIFIER_CONSUMER_PREFETCH: env.int(20, 1, 200),
  /** How often the daily summary checks whether its time has come. */
  NOTIFIER_SUMMARY_CHECK_MS: env.int(30_000, 50, 600_000),
  NOTIFIER_RETENTION_INTERVAL_SECONDS: env.int(3600, 10, 86_400),
  /** Outbox rows (sent/failed/suppressed) kept, like telegram_message_log (seed: 30 days). */
  NOTIFIER_RETENTION_DAYS: env.int(30, 1, 365),
});

export type NotifierConfig = Readonly<z.output<typeof notifierEnvSchema>>;

export function parseNotifierConfig(source: Env): NotifierConfig {
  return loadConfig(notifierEnvSchema, source);
}

export function loadNotifierConfig(source: Env = process.env): NotifierConfig {
  return loadConfigOrExit(notifierEnvSchema, source);
}
