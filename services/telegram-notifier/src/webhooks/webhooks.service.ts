import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  CreateWebhook,
  CreatedWebhook,
  Webhook,
  WebhookTestResult,
} from '@arasul/contracts/http/notifications';
import type { Database, NotificationWebhook } from '@arasul/db';
import { EncryptionKeyMissingError, WebhookNotFoundError } from '../shared/notifier.errors';
import type { SecretBox } from '../shared/secret-box';
import { postWebhook } from './webhook.sender';
import { deleteWebhook, findWebhook, insertWebhook, listWebhooks } from './webhooks.repository';

export const WEBHOOK_SECRET_PURPOSE = 'notification_webhooks.secret';

function toDto(row: NotificationWebhook): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
  };
}

export class WebhooksService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox | null,
    private readonly timeoutMs: number,
  ) {}

  async list(): Promise<Webhook[]> {
    return (await listWebhooks(this.db)).map(toDto);
  }

  async create(input: CreateWebhook, userId: number): Promise<CreatedWebhook> {
    if (!this.box) throw new EncryptionKeyMissingError();
    const secret = input.secret ?? randomBytes(32).toString('base64url');
    const sealed = this.box.seal(secret, WEBHOOK_SECRET_PURPOSE);
    const row = await insertWebhook(this.db, {
      name: input.name,
      url: input.url,
      secret_encrypted: sealed.ciphertext,
      secret_iv: sealed.iv,
      secret_tag: sealed.tag,
      created_by: userId,
    });
    return { ...toDto(row), secret };
  }

  async remove(id: number): Promise<void> {
    if (!(await deleteWebhook(this.db, id))) throw new WebhookNotFoundError();
  }

  /** Sends a signed test body right now and says what the receiver answered. */
  async test(id: number): Promise<WebhookTestResult> {
    const row = await findWebhook(this.db, id);
    if (!row) throw new WebhookNotFoundError();
    if (!this.box) throw new EncryptionKeyMissingError();
    const secret = this.box.open(
      { ciphertext: row.secret_encrypted, iv: row.secret_iv, tag: row.secret_tag },
      WEBHOOK_SECRET_PURPOSE,
    );
    const result = await postWebhook(
      row.url,
      secret,
      {
        type: 'notification.test',
        severity: 'info',
        title: 'Test from Arasul',
        createdAt: new Date().toISOString(),
      },
      this.timeoutMs,
    );
    return { delivered: result.delivered, status: result.status, error: result.error };
  }
}
