import { z } from 'zod';

/**
 * HTTP DTOs of the telegram-notifier (`/api/notifications/*`, `/api/telegram/*`): the service validates its
 * input and shapes its output with these, the dashboard parses the answers with the same schemas.
 */

export const notificationSeverity = z.enum(['info', 'warning', 'error', 'critical']);
export type NotificationSeverityLevel = z.infer<typeof notificationSeverity>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const weekday = z.enum(WEEKDAYS);
export type WeekdayName = z.infer<typeof weekday>;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

/** One weekday's quiet window; `end` before `start` means it runs past midnight into the next day. */
export const quietWindow = z
  .object({ start: timeOfDay, end: timeOfDay })
  .strict()
  .refine((w) => w.start !== w.end, { message: 'start and end must differ' });
export type QuietWindow = z.infer<typeof quietWindow>;

export const quietHours = z.object(
  Object.fromEntries(WEEKDAYS.map((day) => [day, quietWindow.nullable()])) as Record<
    WeekdayName,
    z.ZodNullable<typeof quietWindow>
  >,
);
export type QuietHours = z.infer<typeof quietHours>;

const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone such as Europe/Berlin' },
  );

export const notificationSettingsSchema = z.object({
  enabled: z.boolean(),
  /** Without any rule, events of at least this severity go to every chat and webhook. */
  minSeverity: notificationSeverity,
  timeZone: z.string(),
  quietHours,
  groupingWindowSeconds: z.number().int(),
  cooldownSeconds: z.number().int(),
  /** HH:MM in `timeZone`, or null for no daily summary. */
  dailySummaryTime: timeOfDay.nullable(),
});
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

export const updateNotificationSettingsSchema = z
  .object({
    enabled: z.boolean(),
    minSeverity: notificationSeverity,
    timeZone,
    quietHours: quietHours.partial(),
    groupingWindowSeconds: z.number().int().min(0).max(3600),
    cooldownSeconds: z.number().int().min(0).max(86_400),
    dailySummaryTime: timeOfDay.nullable(),
  })
  .partial()
  .strict();
export type UpdateNotificationSettings = z.infer<typeof updateNotificationSettingsSchema>;

/** `metrics.alert.fired`, `selfhealing.*` (one trailing wildcard) or `*` for every event. */
const eventTypePattern = z
  .string()
  .max(100)
  .regex(/^(\*|[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*(\.\*)?)$/, 'must be an event type, a prefix.* or *');

const chatId = z.string().regex(/^-?\d{1,20}$/, 'must be a Telegram chat id');

export const notificationRuleSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  eventType: z.string(),
  minSeverity: notificationSeverity,
  /** null: every enabled chat. */
  chatIds: z.array(z.string()).nullable(),
  sendToWebhooks: z.boolean(),
  enabled: z.boolean(),
  createdAt: z.string(),
});
export type NotificationRule = z.infer<typeof notificationRuleSchema>;

export const createNotificationRuleSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    eventType: eventTypePattern,
    minSeverity: notificationSeverity.default('warning'),
    chatIds: z.array(chatId).max(50).nullable().default(null),
    sendToWebhooks: z.boolean().default(true),
    enabled: z.boolean().default(true),
  })
  .strict();
export type CreateNotificationRule = z.input<typeof createNotificationRuleSchema>;

export const updateNotificationRuleSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    eventType: eventTypePattern,
    minSeverity: notificationSeverity,
    chatIds: z.array(chatId).max(50).nullable(),
    sendToWebhooks: z.boolean(),
    enabled: z.boolean(),
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'name at least one field to change' });
export type UpdateNotificationRule = z.infer<typeof updateNotificationRuleSchema>;

export const outboxStatus = z.enum(['pending', 'sent', 'failed', 'suppressed']);
export type OutboxStatus = z.infer<typeof outboxStatus>;

export const outboxEntrySchema = z.object({
  id: z.number().int(),
  eventType: z.string(),
  severity: notificationSeverity,
  title: z.string(),
  message: z.string().nullable(),
  /** `telegram:<chat id>` or `webhook:<id>`. */
  destination: z.string().nullable(),
  status: outboxStatus,
  /** Why it failed, was suppressed (quiet_hours, cooldown) or is waiting (the last error). */
  error: z.string().nullable(),
  retryCount: z.number().int(),
  nextAttemptAt: z.string(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
  /** Sent as part of this row's group message. */
  groupedInto: z.number().int().nullable(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

export const outboxQuerySchema = z.object({
  status: outboxStatus.optional(),
  eventType: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type OutboxQuery = z.input<typeof outboxQuerySchema>;

export const outboxPageSchema = z.object({ items: z.array(outboxEntrySchema), total: z.number().int() });
export type OutboxPage = z.infer<typeof outboxPageSchema>;

export const testNotificationSchema = z
  .object({
    severity: notificationSeverity.default('info'),
    text: z.string().trim().min(1).max(1000).default('Test notification from Arasul'),
  })
  .strict();

export const webhookSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof webhookSchema>;

export const createWebhookSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    url: z.url({ protocol: /^https?$/ }).max(500),
    /** Generated when omitted; returned once in the answer, never again. */
    secret: z.string().min(16).max(200).optional(),
  })
  .strict();
export type CreateWebhook = z.infer<typeof createWebhookSchema>;

export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

export const webhookTestResultSchema = z.object({
  delivered: z.boolean(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type WebhookTestResult = z.infer<typeof webhookTestResultSchema>;

export const telegramChatSchema = z.object({
  chatId: z.string(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
  title: z.string().nullable(),
  enabled: z.boolean(),
  adminLinked: z.boolean(),
});
export type TelegramChatDto = z.infer<typeof telegramChatSchema>;

export const telegramStatusSchema = z.object({
  /** `no_encryption_key`: TELEGRAM_ENCRYPTION_KEY is missing, no token can be stored. */
  state: z.enum(['no_encryption_key', 'not_configured', 'configured']),
  botUsername: z.string().nullable(),
  chats: z.array(telegramChatSchema),
  mode: z.enum(['polling', 'webhook', 'off']),
  lastError: z.string().nullable(),
  outbox: z.object({ pending: z.number().int(), failed: z.number().int(), sentLast24h: z.number().int() }),
});
export type TelegramStatus = z.infer<typeof telegramStatusSchema>;

export const startTelegramSetupSchema = z
  .object({
    token: z
      .string()
      .trim()
      .regex(/^\d{5,20}:[A-Za-z0-9_-]{30,60}$/, 'must look like a bot token'),
  })
  .strict();

export const setupSessionStatus = z.enum(['pending', 'token_valid', 'completed', 'expired']);

export const telegramSetupSchema = z.object({
  /** The one-time code; also the id to poll. */
  code: z.string(),
  kind: z.enum(['setup', 'link']),
  status: setupSessionStatus,
  botUsername: z.string(),
  /** Open in Telegram and press Start (private chat). */
  deepLink: z.string(),
  /** Adds the bot to a group and starts it there. */
  groupLink: z.string(),
  /** The deep link as an SVG QR code. */
  qrSvg: z.string(),
  expiresAt: z.string(),
  chat: telegramChatSchema.nullable(),
  error: z.string().nullable(),
});
export type TelegramSetup = z.infer<typeof telegramSetupSchema>;

export const notificationRuleListSchema = z.object({ items: z.array(notificationRuleSchema) });
export const webhookListSchema = z.object({ items: z.array(webhookSchema) });
