import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { AmqpClient, ConsumerHandle } from '@arasul/service-kit/amqp';
import { identityMiddleware } from '@arasul/service-kit/auth';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { createServiceApp } from '@arasul/service-kit/http/app';
import type { Logger } from '@arasul/service-kit/logger';
import { AskFlow } from './bot/ask.flow';
import { BotCommands } from './bot/bot.commands';
import { PlatformClient } from './bot/platform.client';
import { RestartFlow } from './bot/restart.flow';
import { UpdateHandler } from './bot/update.handler';
import { type UpdateMode, UpdatePoller } from './bot/update.poller';
import { UpdateWebhook, WEBHOOK_PATH, webhookSecretOf } from './bot/update.webhook';
import type { NotifierConfig } from './config';
import { notificationsRouter } from './http/notifications.router';
import { telegramRouter, telegramWebhookRouter } from './http/telegram.router';
import { OutboxDispatcher } from './outbox/outbox.dispatcher';
import { pruneOlderThan } from './outbox/outbox.repository';
import { OutboxService } from './outbox/outbox.service';
import { startEventConsumer } from './routing/event.consumer';
import { RoutingService } from './routing/routing.service';
import { RulesService } from './rules/rules.service';
import { SettingsService } from './settings/settings.service';
import { SetupService } from './setup/setup.service';
import { DailySummary } from './summary/daily-summary';
import { SecretBox } from './shared/secret-box';
import { BotAccount } from './telegram/bot-account';
import { WebhooksService } from './webhooks/webhooks.service';

export interface NotifierDeps {
  config: NotifierConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  redis: Redis;
  bus: AmqpClient;
}

export interface Notifier {
  app: Express;
  dispatcher: OutboxDispatcher;
  poller: UpdatePoller;
  handler: UpdateHandler;
  summary: DailySummary;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds every part (HTTP app, event consumer, outbox worker, update poller); `start` runs the loops. */
export function createNotifier(deps: NotifierDeps): Notifier {
  const { config, logger, db } = deps;
  const box =
    config.TELEGRAM_ENCRYPTION_KEY === undefined ? null : new SecretBox(config.TELEGRAM_ENCRYPTION_KEY);
  if (!box) logger.warn('TELEGRAM_ENCRYPTION_KEY is not set: the notifier runs but cannot store a bot token');
  const account = new BotAccount(db, box, config.TELEGRAM_API_ROOT, config.TELEGRAM_REQUEST_TIMEOUT_MS);
  const dispatcher = new OutboxDispatcher(db, account, () => box, logger.child({ module: 'outbox' }), {
    intervalMs: config.NOTIFIER_DISPATCH_INTERVAL_MS,
    batch: config.NOTIFIER_DISPATCH_BATCH,
    maxAttempts: config.NOTIFIER_MAX_ATTEMPTS,
    webhookTimeoutMs: config.NOTIFIER_WEBHOOK_TIMEOUT_MS,
  });
  const wake = (): void => {
    dispatcher.wake();
  };
  const mode: UpdateMode =
    config.PUBLIC_URL !== undefined && config.TELEGRAM_ENCRYPTION_KEY !== undefined
      ? {
          kind: 'webhook',
          url: new URL(WEBHOOK_PATH, config.PUBLIC_URL).toString(),
          secret: webhookSecretOf(config.TELEGRAM_ENCRYPTION_KEY),
        }
      : { kind: 'polling' };
  const setup = new SetupService(db, account, logger.child({ module: 'setup' }), () => mode.kind);
  const platform = new PlatformClient(
    { metrics: config.METRICS_URL, selfHealing: config.SELF_HEALING_URL, llmQueue: config.LLM_QUEUE_URL },
    config.INTERNAL_SECRET,
    config.NOTIFIER_PLATFORM_TIMEOUT_MS,
    config.NOTIFIER_ASK_TIMEOUT_MS,
  );
  const botLogger = logger.child({ module: 'bot' });
  const handler = new UpdateHandler(db, setup, botLogger, {
    commands: new BotCommands(db, platform, botLogger),
    restart: new RestartFlow(db, platform, botLogger),
    ask: new AskFlow(platform, botLogger, config.NOTIFIER_STREAM_EDIT_INTERVAL_MS),
  });
  const poller = new UpdatePoller(
    db,
    account,
    handler,
    logger.child({ module: 'updates' }),
    config.TELEGRAM_POLL_TIMEOUT_S,
    mode,
  );
  const webhook =
    mode.kind === 'webhook'
      ? new UpdateWebhook(db, account, handler, mode.secret, logger.child({ module: 'updates' }))
      : null;
  setup.onChange = () => {
    poller.restartPoll();
    wake();
  };
  const routing = new RoutingService(deps.redis, logger.child({ module: 'routing' }));
  const outbox = new OutboxService(db, wake);
  const settings = new SettingsService(db);
  const rules = new RulesService(db);
  const webhooks = new WebhooksService(db, box, config.NOTIFIER_WEBHOOK_TIMEOUT_MS);

  const summary = new DailySummary(
    db,
    logger.child({ module: 'daily-summary' }),
    config.NOTIFIER_SUMMARY_CHECK_MS,
    wake,
  );
  deps.health.register(summary.healthCheck());
  deps.health.register(dispatcher.healthCheck());
  deps.health.register(poller.healthCheck());

  const app = createServiceApp({
    logger,
    health: deps.health,
    internalSecret: config.INTERNAL_SECRET,
    jsonLimit: '32kb',
    beforeBody: (a) => {
      a.use(identityMiddleware(config.INTERNAL_SECRET));
    },
    routes: (a) => {
      a.use('/api/notifications', notificationsRouter({ settings, rules, outbox, webhooks }));
      // Before the admin-only router: Telegram itself calls this one, proving itself with the secret token.
      if (webhook) a.use('/api/telegram', telegramWebhookRouter(webhook));
      a.use('/api/telegram', telegramRouter({ setup, outbox }));
    },
  });

  let consumer: ConsumerHandle | null = null;
  let retention: NodeJS.Timeout | null = null;
  return {
    app,
    dispatcher,
    poller,
    handler,
    summary,
    start: async () => {
      await dispatcher.start();
      poller.start();
      summary.start();
      consumer = await startEventConsumer(deps.bus, db, routing, config.NOTIFIER_CONSUMER_PREFETCH, wake);
      retention = setInterval(() => {
        pruneOlderThan(db, config.NOTIFIER_RETENTION_DAYS).catch((error: unknown) => {
          logger.warn('notifier retention failed', {
            error: error instanceof Error ? error.message : 'failed',
          });
        });
      }, config.NOTIFIER_RETENTION_INTERVAL_SECONDS * 1000);
      retention.unref();
    },
    stop: async () => {
      if (retention) clearInterval(retention);
      await consumer?.cancel();
      await summary.stop();
      await poller.stop();
      await handler.settle();
      await dispatcher.stop();
    },
  };
}
