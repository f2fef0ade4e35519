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
} from '@arasul/contracts/http/notifications';
import type { ApiClient } from '../../api/client';

/** The telegram-notifier's API, parsed with the same zod schemas the service answers with. */
export function notificationsApi(client: ApiClient) {
  const get = async (
    path: string,
    signal?: AbortSignal,
    query?: Record<string, string | number | undefined>,
  ) => client.request<unknown>(path, { signal, query });
  const send = async (method: string, path: string, body?: unknown) =>
    client.request<unknown>(path, { method, body });
  return {
    status: async (signal?: AbortSignal): Promise<TelegramStatus> =>
      telegramStatusSchema.parse(await get('/api/telegram/status', signal)),
    startSetup: async (token: string): Promise<TelegramSetup> =>
      telegramSetupSchema.parse(await send('POST', '/api/telegram/setup', { token })),
    linkChat: async (): Promise<TelegramSetup> =>
      telegramSetupSchema.parse(await send('POST', '/api/telegram/chats/link')),
    setup: async (code: string, signal?: AbortSignal): Promise<TelegramSetup> =>
      telegramSetupSchema.parse(await get(`/api/telegram/setup/${encodeURIComponent(code)}`, signal)),
    forget: async (): Promise<void> => {
      await send('DELETE', '/api/telegram');
    },
    settings: async (signal?: AbortSignal): Promise<NotificationSettings> =>
      notificationSettingsSchema.parse(await get('/api/notifications/settings', signal)),
    saveSettings: async (change: UpdateNotificationSettings): Promise<NotificationSettings> =>
      notificationSettingsSchema.parse(await send('PUT', '/api/notifications/settings', change)),
    rules: async (signal?: AbortSignal): Promise<NotificationRule[]> =>
      notificationRuleListSchema.parse(await get('/api/notifications/rules', signal)).items,
    createRule: async (rule: CreateNotificationRule): Promise<NotificationRule> =>
      notificationRuleSchema.parse(await send('POST', '/api/notifications/rules', rule)),
    deleteRule: async (id: number): Promise<void> => {
      await send('DELETE', `/api/notifications/rules/${String(id)}`);
    },
    outbox: async (status: OutboxStatus | undefined, signal?: AbortSignal): Promise<OutboxPage> =>
      outboxPageSchema.parse(await get('/api/notifications/events', signal, { status, limit: 50 })),
    retry: async (id: number): Promise<OutboxEntry> =>
      outboxEntrySchema.parse(await send('POST', `/api/notifications/events/${String(id)}/retry`)),
    test: async (): Promise<void> => {
      await send('POST', '/api/notifications/test', {});
    },
    webhooks: async (signal?: AbortSignal): Promise<Webhook[]> =>
      webhookListSchema.parse(await get('/api/notifications/webhooks', signal)).items,
    createWebhook: async (name: string, url: string): Promise<CreatedWebhook> =>
      createdWebhookSchema.parse(await send('POST', '/api/notifications/webhooks', { name, url })),
    testWebhook: async (id: number): Promise<WebhookTestResult> =>
      webhookTestResultSchema.parse(await send('POST', `/api/notifications/webhooks/${String(id)}/test`)),
    deleteWebhook: async (id: number): Promise<void> => {
      await send('DELETE', `/api/notifications/webhooks/${String(id)}`);
    },
  };
}

export type NotificationsApi = ReturnType<typeof notificationsApi>;
