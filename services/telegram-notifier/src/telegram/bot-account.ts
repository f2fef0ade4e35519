import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@arasul/db';
import { EncryptionKeyMissingError } from '../shared/notifier.errors';
import type { SecretBox } from '../shared/secret-box';
import { BotClient } from './telegram.client';

type Db = Kysely<Database> | Transaction<Database>;
const PURPOSE = 'telegram_config.bot_token';

/**
 * The configured bot: its token, decrypted only in memory, and one telegraf client for it. Whoever changes
 * the configuration calls `invalidate()`.
 */
export class BotAccount {
  private cached: { client: BotClient; username: string | null } | null | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly box: SecretBox | null,
    readonly apiRoot: string,
    readonly timeoutMs: number,
  ) {}

  clientFor(token: string): BotClient {
    return new BotClient(token, this.apiRoot, this.timeoutMs);
  }

  /** The configured bot's client, or null when none is configured (or the key is missing). */
  async current(): Promise<{ client: BotClient; username: string | null } | null> {
    if (this.cached !== undefined) return this.cached;
    const row = await this.db
      .selectFrom('telegram_config')
      .select(['bot_token_encrypted', 'bot_token_iv', 'bot_token_tag', 'bot_username', 'enabled'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (row === undefined) {
      this.cached = null;
      return null;
    }
    if (
      !this.box ||
      row.bot_token_encrypted === null ||
      row.bot_token_iv === null ||
      row.bot_token_tag === null ||
      !row.enabled
    ) {
      this.cached = null;
      return null;
    }
    const token = this.box.open(
      { ciphertext: row.bot_token_encrypted, iv: row.bot_token_iv, tag: row.bot_token_tag },
      PURPOSE,
    );
    this.cached = { client: this.clientFor(token), username: row.bot_username };
    return this.cached;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  requireBox(): SecretBox {
    if (!this.box) throw new EncryptionKeyMissingError();
    return this.box;
  }

  async store(db: Db, token: string, username: string): Promise<void> {
    const sealed = this.requireBox().seal(token, PURPOSE);
    const values = {
      bot_token_encrypted: sealed.ciphertext,
      bot_token_iv: sealed.iv,
      bot_token_tag: sealed.tag,
      bot_username: username,
      enabled: true,
      connection_verified: true,
      connection_verified_at: new Date(),
      last_error: null,
      polling_offset: 0,
    };
    await db
      .insertInto('telegram_config')
      .values({ id: 1, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  sealSetupToken(token: string): Buffer {
    return this.requireBox().sealToBytes(token, 'telegram_setup_sessions.bot_token');
  }

  openSetupToken(bytes: Buffer): string {
    return this.requireBox().openBytes(bytes, 'telegram_setup_sessions.bot_token');
  }
}
