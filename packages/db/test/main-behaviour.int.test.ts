/**
 * What the arasul_db schema guarantees on its own, whoever writes to it: triggers, constraints, cascades,
 * the Telegram functions and views, and the value types the pool returns.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../src/database';
import { migrateToLatest } from '../src/migrator';
import { createScratchDatabase, pgErrorCode, type ScratchDatabase } from './helpers/scratch-database';

const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const LONG_AGO = new Date('2020-01-01T00:00:00Z');

let scratch: ScratchDatabase<Database>;
let db: Kysely<Database>;

beforeAll(async () => {
  scratch = await createScratchDatabase<Database>('behaviour_main');
  db = scratch.db;
  await migrateToLatest(db, 'main');
});
afterAll(async () => {
  await scratch.drop();
});

async function createUser(username: string): Promise<number> {
  const { id } = await db
    .insertInto('admin_users')
    .values({ username, password_hash: 'hash' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function createConversation(): Promise<string> {
  const { id } = await db
    .insertInto('chat_conversations')
    .values({ title: 'test', updated_at: LONG_AGO })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function messageCount(conversationId: string): Promise<number> {
  const row = await db
    .selectFrom('chat_conversations')
    .select('message_count')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return row.message_count;
}

describe('chat_conversations.message_count', () => {
  it('counts inserted and deleted messages and bumps updated_at', async () => {
    const conversationId = await createConversation();
    const inserted = await db
      .insertInto('chat_messages')
      .values([
        { conversation_id: conversationId, role: 'user', content: 'Hallo' },
        {
          conversation_id: conversationId,
          role: 'assistant',
          content: 'Hallo!',
          sources: JSON.stringify([]),
        },
      ])
      .returning('id')
      .execute();
    expect(await messageCount(conversationId)).toBe(2);

    await db.deleteFrom('chat_messages').where('id', '=', inserted[0]!.id).execute();
    expect(await messageCount(conversationId)).toBe(1);

    const { updated_at } = await db
      .selectFrom('chat_conversations')
      .select('updated_at')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(updated_at.getTime()).toBeGreaterThan(LONG_AGO.getTime());
  });

  it('follows a message moved to another conversation', async () => {
    const from = await createConversation();
    const to = await createConversation();
    const { id } = await db
      .insertInto('chat_messages')
      .values({ conversation_id: from, role: 'user', content: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();

    await db.updateTable('chat_messages').set({ conversation_id: to }).where('id', '=', id).execute();
    await db.updateTable('chat_messages').set({ content: 'edited' }).where('id', '=', id).execute();

    expect([await messageCount(from), await messageCount(to)]).toEqual([0, 1]);
  });

  it('rejects a role other than user/assistant/system, and messages go with their conversation', async () => {
    const conversationId = await createConversation();
    expect(
      await pgErrorCode(
        sql`INSERT INTO chat_messages (conversation_id, role, content) VALUES (${conversationId}, 'robot', 'x')`.execute(
          db,
        ),
      ),
    ).toBe(CHECK_VIOLATION);

    await db
      .insertInto('chat_messages')
      .values({ conversation_id: conversationId, role: 'user', content: 'x' })
      .execute();
    await db.deleteFrom('chat_conversations').where('id', '=', conversationId).execute();
    const left = await db
      .selectFrom('chat_messages')
      .where('conversation_id', '=', conversationId)
      .selectAll()
      .execute();
    expect(left).toEqual([]);
  });
});

describe('updated_at triggers', () => {
  /** Sets updated_at to LONG_AGO behind the trigger's back, as if the row had not changed for years. */
  async function backdate(table: 'admin_users' | 'telegram_config', trigger: string): Promise<void> {
    await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER ${sql.id(trigger)}`.execute(db);
    await sql`UPDATE ${sql.table(table)} SET updated_at = ${LONG_AGO}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ENABLE TRIGGER ${sql.id(trigger)}`.execute(db);
  }

  function expectRecent(updatedAt: Date): void {
    expect(Math.abs(Date.now() - updatedAt.getTime())).toBeLessThan(60_000);
  }

  it('move admin_users.updated_at to the time of the update', async () => {
    const userId = await createUser('updated_at_user');
    await backdate('admin_users', 'trigger_admin_users_updated_at');

    await db.updateTable('admin_users').set({ email: 'a@example.com' }).where('id', '=', userId).execute();

    const row = await db
      .selectFrom('admin_users')
      .select('updated_at')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    expectRecent(row.updated_at);
  });

  it('move telegram_config.updated_at (trigger_telegram_config_updated_at), even over an explicit value', async () => {
    await db.deleteFrom('telegram_config').execute();
    await db.insertInto('telegram_config').values({ id: 1 }).execute();
    await backdate('telegram_config', 'trigger_telegram_config_updated_at');

    await db.updateTable('telegram_config').set({ chat_id: '12345', updated_at: LONG_AGO }).execute();

    const row = await db.selectFrom('telegram_config').select('updated_at').executeTakeFirstOrThrow();
    expectRecent(row.updated_at);
  });
});

describe('constraints', () => {
  it('keep telegram_config a singleton (id = 1) with a complete encrypted token or none', async () => {
    // The type already forbids id 2 (`Generated<1>`); the database must too.
    expect(await pgErrorCode(sql`INSERT INTO telegram_config (id) VALUES (2)`.execute(db))).toBe(
      CHECK_VIOLATION,
    );
    await db.deleteFrom('telegram_config').execute();
    await db.insertInto('telegram_config').values({ id: 1 }).execute();
    const row = await db.selectFrom('telegram_config').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: 1, enabled: false, connection_verified: false });
    expect(row.alert_thresholds.cooldown_minutes).toBe(15);
    expect(row.notification_preferences.quiet_hours_start).toBe('22:00');

    expect(
      await pgErrorCode(db.updateTable('telegram_config').set({ bot_token_encrypted: 'cipher' }).execute()),
    ).toBe(CHECK_VIOLATION);
  });

  it('reject a duplicate username, also in another letter case', async () => {
    await createUser('admin');
    expect(await pgErrorCode(createUser('admin'))).toBe(UNIQUE_VIOLATION);
    expect(await pgErrorCode(createUser('Admin'))).toBe(UNIQUE_VIOLATION);
  });

  it('reject unknown job and document states, and a second default model', async () => {
    expect(
      await pgErrorCode(sql`INSERT INTO llm_jobs (prompt, status) VALUES ('p', 'lost')`.execute(db)),
    ).toBe(CHECK_VIOLATION);
    expect(
      await pgErrorCode(
        // Every document lives in a space (migration 035): the default one, so only the state is wrong.
        sql`INSERT INTO documents (filename, original_name, size_bytes, minio_path, status, space_id)
            VALUES ('f', 'f', 1, 'p', 'done', (SELECT id FROM document_spaces WHERE is_default))`.execute(db),
      ),
    ).toBe(CHECK_VIOLATION);

    await db.insertInto('llm_installed_models').values({ id: 'model-a', is_default: true }).execute();
    await db.insertInto('llm_installed_models').values({ id: 'model-b' }).execute();
    expect(
      await pgErrorCode(
        db
          .updateTable('llm_installed_models')
          .set({ is_default: true })
          .where('id', '=', 'model-b')
          .execute(),
      ),
    ).toBe(UNIQUE_VIOLATION);
  });

  it('keep audit rows when their user is deleted, but not the user’s sessions', async () => {
    const userId = await createUser('leaving_user');
    await db.insertInto('audit_logs').values({ user_id: userId, action: 'login' }).execute();
    await db
      .insertInto('active_sessions')
      .values({ user_id: userId, token_jti: 'jti-leaving', expires_at: new Date(Date.now() + 60_000) })
      .execute();
    await db
      .insertInto('token_blacklist')
      .values({ user_id: userId, token_jti: 'jti-revoked', expires_at: new Date() })
      .execute();

    await db.deleteFrom('admin_users').where('id', '=', userId).execute();

    expect(
      await db.selectFrom('audit_logs').select('user_id').where('action', '=', 'login').execute(),
    ).toEqual([{ user_id: null }]);
    expect(
      await db.selectFrom('active_sessions').where('token_jti', '=', 'jti-leaving').selectAll().execute(),
    ).toEqual([]);
    expect(
      await db
        .selectFrom('token_blacklist')
        .select('user_id')
        .where('token_jti', '=', 'jti-revoked')
        .execute(),
    ).toEqual([{ user_id: null }]);
    expect(
      await pgErrorCode(
        db
          .insertInto('active_sessions')
          .values({ user_id: userId, token_jti: 'jti-ghost', expires_at: new Date() })
          .execute(),
      ),
    ).toBe(FOREIGN_KEY_VIOLATION);
  });

  it('remove a queue entry with its job, and allow one entry per job', async () => {
    const job = await db
      .insertInto('llm_jobs')
      .values({ prompt: 'p' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('llm_queue').values({ job_id: job.id, priority: 5 }).execute();
    expect(await pgErrorCode(db.insertInto('llm_queue').values({ job_id: job.id }).execute())).toBe(
      UNIQUE_VIOLATION,
    );

    await db.deleteFrom('llm_jobs').where('id', '=', job.id).execute();

    expect(await db.selectFrom('llm_queue').where('job_id', '=', job.id).selectAll().execute()).toEqual([]);
  });
});

describe('value types returned by the pool', () => {
  it('keeps bigint and numeric as exact strings, timestamptz as Date, arrays as arrays', async () => {
    await db
      .insertInto('metrics_disk')
      .values({
        timestamp: new Date('2024-05-01T10:00:00Z'),
        used: '9007199254740993',
        free: 1,
        percent: 12.5,
      })
      .execute();
    await db
      .insertInto('api_keys')
      .values({
        key_hash: 'h',
        key_prefix: 'ak_12345',
        name: 'n8n',
        allowed_endpoints: ['/api/chat', '/api/docs'],
      })
      .execute();

    const disk = await db.selectFrom('metrics_disk').selectAll().executeTakeFirstOrThrow();
    const key = await db
      .selectFrom('api_keys')
      .select(['allowed_endpoints', 'rate_limit_per_minute'])
      .executeTakeFirstOrThrow();
    const { rows } = await sql<{
      d: string;
      n: string[];
    }>`SELECT DATE '2024-02-29' AS d, ARRAY[1.10, 2]::numeric[] AS n`.execute(db);

    expect(disk).toEqual({
      timestamp: new Date('2024-05-01T10:00:00Z'),
      used: '9007199254740993',
      free: '1',
      percent: '12.50',
    });
    expect(key).toEqual({ allowed_endpoints: ['/api/chat', '/api/docs'], rate_limit_per_minute: 60 });
    expect(rows[0]).toEqual({ d: '2024-02-29', n: ['1.10', '2'] });
  });
});

describe('Telegram functions and views', () => {
  it('check_telegram_rate_limit admits messages up to the per-minute limit and counts them', async () => {
    const allowed: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const { rows } = await sql<{
        ok: boolean;
      }>`SELECT check_telegram_rate_limit('chat-minute', 100, 2) AS ok`.execute(db);
      allowed.push(rows[0]!.ok);
    }
    expect(allowed).toEqual([true, true, false]);
    const { total } = await db
      .selectFrom('telegram_rate_limits')
      .select((eb) => eb.fn.sum<string>('message_count').as('total'))
      .where('chat_id', '=', 'chat-minute')
      .executeTakeFirstOrThrow();
    expect(total).toBe('2');
  });

  it('check_telegram_rate_limit admits one message per second when asked to', async () => {
    // Two calls microseconds apart can still straddle a second boundary; then the second call rightly
    // passes and the attempt is repeated.
    for (let attempt = 1; ; attempt++) {
      const chat = `chat-second-${attempt}`;
      const { rows } = await sql<{ first: boolean; second: boolean }>`
        SELECT check_telegram_rate_limit(${chat}, 1, 100) AS first,
               check_telegram_rate_limit(${chat}, 1, 100) AS second`.execute(db);
      const windows = await db
        .selectFrom('telegram_rate_limits')
        .select('id')
        .where('chat_id', '=', chat)
        .execute();
      if (windows.length === 1 || attempt === 3) {
        expect(rows[0]).toEqual({ first: true, second: false });
        break;
      }
    }
  });

  it('check_telegram_alert_cooldown lets an alert through once per cooldown', async () => {
    const check = async (minutes: number) =>
      (
        await sql<{
          ok: boolean;
        }>`SELECT check_telegram_alert_cooldown('cpu_critical', 'chat-1', ${minutes}) AS ok`.execute(db)
      ).rows[0]!.ok;

    expect([await check(15), await check(15)]).toEqual([true, false]);
    await db
      .updateTable('telegram_alert_cooldowns')
      .set({ last_alert_at: sql`now() - interval '16 minutes'` })
      .where('alert_type', '=', 'cpu_critical')
      .execute();
    expect(await check(15)).toBe(true);

    const row = await db
      .selectFrom('telegram_alert_cooldowns')
      .select('alert_count')
      .where('alert_type', '=', 'cpu_critical')
      .executeTakeFirstOrThrow();
    expect(row.alert_count).toBe(2);
  });

  it('v_telegram_active_cooldowns uses the cooldown configured in telegram_config', async () => {
    await db
      .insertInto('telegram_alert_cooldowns')
      .values([
        { alert_type: 'disk_warning', chat_id: 'chat-2', last_alert_at: sql`now() - interval '10 minutes'` },
        { alert_type: 'ram_warning', chat_id: 'chat-2', last_alert_at: sql`now() - interval '3 minutes'` },
      ])
      .execute();
    const active = async () =>
      (
        await db
          .selectFrom('v_telegram_active_cooldowns')
          .select('alert_type')
          .where('chat_id', '=', 'chat-2')
          .orderBy('alert_type')
          .execute()
      ).map((row) => row.alert_type);

    await db.deleteFrom('telegram_config').execute();
    expect(await active()).toEqual(['disk_warning', 'ram_warning']);

    await db
      .insertInto('telegram_config')
      .values({ id: 1, alert_thresholds: JSON.stringify({ cooldown_minutes: 5 }) })
      .execute();
    expect(await active()).toEqual(['ram_warning']);
  });

  it('log_telegram_message stores a message that the recent-messages and 24h views show', async () => {
    const log = async (query: RawBuilder<{ id: number }>) => (await query.execute(db)).rows[0]!.id;
    const delivered = await log(sql`
      SELECT log_telegram_message('chat-3', 'alert', 'CPU at 97 %', 'critical', 'CPU critical') AS id`);
    const failed = await log(sql`
      SELECT log_telegram_message('chat-3', 'alert', 'Disk at 85 %', 'warning', NULL, NULL, false, 'timeout') AS id`);

    const recent = await db
      .selectFrom('v_telegram_recent_messages')
      .select(['id', 'severity', 'delivered', 'error_message', 'triggered_by'])
      .where('chat_id', '=', 'chat-3')
      .execute();
    const stats = await db
      .selectFrom('v_telegram_stats_24h')
      .selectAll()
      .where('message_type', '=', 'alert')
      .execute();

    expect(recent).toEqual([
      { id: failed, severity: 'warning', delivered: false, error_message: 'timeout', triggered_by: 'system' },
      { id: delivered, severity: 'critical', delivered: true, error_message: null, triggered_by: 'system' },
    ]);
    expect(stats).toEqual([
      expect.objectContaining({
        total_messages: '2',
        delivered_messages: '1',
        failed_messages: '1',
        critical_messages: '1',
      }),
    ]);
  });

  it('api_audit_daily_stats groups requests per UTC day and action', async () => {
    const at = (iso: string) => new Date(iso);
    await db
      .insertInto('api_audit_logs')
      .values([
        {
          timestamp: at('2024-03-01T23:30:00Z'),
          action_type: 'GET',
          target_endpoint: '/api/a',
          request_method: 'GET',
          response_status: 200,
          duration_ms: 10,
        },
        {
          timestamp: at('2024-03-01T01:00:00Z'),
          action_type: 'GET',
          target_endpoint: '/api/a',
          request_method: 'GET',
          response_status: 500,
          duration_ms: 30,
        },
        {
          timestamp: at('2024-03-02T00:30:00Z'),
          action_type: 'GET',
          target_endpoint: '/api/a',
          request_method: 'GET',
          response_status: 200,
          duration_ms: 20,
        },
      ])
      .execute();

    const days = await db
      .selectFrom('api_audit_daily_stats')
      .select(['day', 'total_requests', 'failed_requests', 'avg_duration_ms'])
      .where('action_type', '=', 'GET')
      .orderBy('day')
      .execute();

    expect(days).toEqual([
      { day: '2024-03-01', total_requests: '2', failed_requests: '1', avg_duration_ms: '20.00' },
      { day: '2024-03-02', total_requests: '1', failed_requests: '0', avg_duration_ms: '20.00' },
    ]);
  });
});
