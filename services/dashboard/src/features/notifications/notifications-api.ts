import {
  type CreateNotificationRule,
  type CreatedWebhook,
  type NotificationRule,
  type NotificationSettings,
  type OutboxEntry,
  type OutboxPage,
  type OutboxStatus,
  type TelegramSetup,
  type TelegramStatus,
  type UpdateNotificationSettings,
  type Webhook,
  type WebhookTestResult,
  createdWebhookSchema,
  notificationRuleListSchema,
  notificationRuleSchema,
  notificationSettingsSchema,
  outboxEntrySchema,
  outboxPageSchema,
  telegramSetupSchema,
  telegramStatusSchema,
  webhookListSchema,
  webhookTestResultSchema,
} from '@arasul/contracts';
import type { z } from 'zod';
import type { ApiClient } from '../../api/client';

/** The telegram-notifier's API, parsed with the same zod schemas the service answers with. */
export function notificationsApi(client: ApiClient) {
  const get = <S extends z.ZodType>(
    path: string,
    schema: S,
    signal?: AbortSignal,
    query?: Record<string, string | number | undefined>,
  ) => client.request(path, schema, { signal, query });
  const send = <S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown) =>
    client.request(path, schema, { method, body });
  const call = (method: string, path: string, body?: unknown) => client.call(path, { method, body });
  return {
    status: (signal?: AbortSignal): Promise<TelegramStatus> =>
      get('/api/telegram/status', telegramStatusSchema, signal),
    startSetup: (token: string): Promise<TelegramSetup> =>
      send('POST', '/api/telegram/setup', telegramSetupSchema, { token }),
    linkChat: (): Promise<TelegramSetup> => send('POST', '/api/telegram/chats/link', telegramSetupSchema),
    setup: (code: string, signal?: AbortSignal): Promise<TelegramSetup> =>
      get(`/api/telegram/setup/${encodeURIComponent(code)}`, telegramSetupSchema, signal),
    /** The wizard's progress as Server-Sent Events (`progress` events; ends when completed or expired). */
    setupEvents: (code: string, signal: AbortSignal): Promise<Response> =>
      client.send(`/api/telegram/setup/${encodeURIComponent(code)}/events`, {
        headers: { Accept: 'text/event-stream' },
        signal,
      }),
    forget: (): Promise<void> => call('DELETE', '/api/telegram'),
    settings: (signal?: AbortSignal): Promise<NotificationSettings> =>
      get('/api/notifications/settings', notificationSettingsSchema, signal),
    saveSettings: (change: UpdateNotificationSettings): Promise<NotificationSettings> =>
      send('PUT', '/api/notifications/settings', notificationSettingsSchema, change),
    rules: async (signal?: AbortSignal): Promise<NotificationRule[]> =>
      (await get('/api/notifications/rules', notificationRuleListSchema, signal)).items,
    createRule: (rule: CreateNotificationRule): Promise<NotificationRule> =>
      send('POST', '/api/notifications/rules', notificationRuleSchema, rule),
    deleteRule: (id: number): Promise<void> => call('DELETE', `/api/notifications/rules/${String(id)}`),
    outbox: (status: OutboxStatus | undefined, signal?: AbortSignal): Promise<OutboxPage> =>
      get('/api/notifications/events', outboxPageSchema, signal, { status, limit: 50 }),
    retry: (id: number): Promise<OutboxEntry> =>
      send('POST', `/api/notifications/events/${String(id)}/retry`, outboxEntrySchema),
    test: (): Promise<void> => call('POST', '/api/notifications/test', {}),
    webhooks: async (signal?: AbortSignal): Promise<Webhook[]> =>
      (await get('/api/notifications/webhooks', webhookListSchema, signal)).items,
    createWebhook: (name: string, url: string): Promise<CreatedWebhook> =>
      send('POST', '/api/notifications/webhooks', createdWebhookSchema, { name, url }),
    testWebhook: (id: number): Promise<WebhookTestResult> =>
      send('POST', `/api/notifications/webhooks/${String(id)}/test`, webhookTestResultSchema),
    deleteWebhook: (id: number): Promise<void> => call('DELETE', `/api/notifications/webhooks/${String(id)}`),
  };
}

export type NotificationsApi = ReturnType<typeof notificationsApi>;
