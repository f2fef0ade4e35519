/**
 * The retention functions (seed 000 "Data Retention"): each removes only rows older than its window and
 * returns how many it removed.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../src/database';
import { migrateToLatest } from '../src/migrator';
import { createScratchDatabase, pgErrorCode, type ScratchDatabase } from './helpers/scratch-database';

let scratch: ScratchDatabase<Database>;
let db: Kysely<Database>;

beforeAll(async () => {
  scratch = await createScratchDatabase<Database>('retention');
  db = scratch.db;
  await migrateToLatest(db, 'main');
});
afterAll(async () => {
  await scratch.drop();
});

const daysAgo = (days: number): Date => new Date(Date.now() - days * 24 * 60 * 60 * 1000);
const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60 * 1000);

/** Calls a retention function (optionally with retention_days) and returns its removed-row count. */
async function call(fn: string, retentionDays?: number): Promise<number> {
  const args = retentionDays === undefined ? sql`` : sql`${retentionDays}`;
  const { rows } = await sql<{ removed: number }>`SELECT ${sql.id(fn)}(${args}) AS removed`.execute(db);
  return rows[0]!.removed;
}

async function count(table: keyof Database): Promise<number> {
  const { n } = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

describe('cleanup_old_metrics', () => {
  it('removes samples older than 7 days from all five metric tables', async () => {
    for (const timestamp of [daysAgo(8), daysAgo(6)]) {
      for (const table of ['metrics_cpu', 'metrics_ram', 'metrics_gpu', 'metrics_temperature'] as const) {
        await db.insertInto(table).values({ timestamp, value: 42 }).execute();
      }
      await db.insertInto('metrics_disk').values({ timestamp, used: 1, free: 2, percent: 33.3 }).execute();
    }

    expect(await call('cleanup_old_metrics')).toBe(5);
    expect(await call('cleanup_old_metrics')).toBe(0);
    expect(await count('metrics_cpu')).toBe(1);
    expect(await count('metrics_disk')).toBe(1);

    expect(await call('cleanup_old_metrics', 5)).toBe(5);
  });

  it('refuses a retention below one day instead of deleting everything', async () => {
    expect(await pgErrorCode(sql`SELECT cleanup_old_metrics(0)`.execute(db))).toBe('P0001');
  });
});

describe('cleanup_old_self_healing_events and cleanup_old_workflow_activity', () => {
  it('remove events older than 7 days', async () => {
    await db
      .insertInto('self_healing_events')
      .values([
        { event_type: 'restart', severity: 'INFO', description: 'old', timestamp: daysAgo(8) },
        { event_type: 'restart', severity: 'WARNING', description: 'new', timestamp: daysAgo(1) },
      ])
      .execute();
    await db
      .insertInto('workflow_activity')
      .values([
        { workflow_name: 'a', status: 'success', timestamp: daysAgo(9) },
        { workflow_name: 'b', status: 'success', timestamp: daysAgo(10) },
        { workflow_name: 'c', status: 'success', timestamp: daysAgo(2) },
      ])
      .execute();

    expect(await call('cleanup_old_self_healing_events')).toBe(1);
    expect(await call('cleanup_old_workflow_activity')).toBe(2);
    expect(await db.selectFrom('self_healing_events').select('description').execute()).toEqual([
      { description: 'new' },
    ]);
    expect(await db.selectFrom('workflow_activity').select('workflow_name').execute()).toEqual([
      { workflow_name: 'c' },
    ]);
  });
});

describe('purge_deleted_conversations', () => {
  it('removes conversations soft-deleted more than 30 days ago, with their messages', async () => {
    const conversations = await db
      .insertInto('chat_conversations')
      .values([
        { title: 'deleted long ago', deleted_at: daysAgo(31) },
        { title: 'deleted recently', deleted_at: daysAgo(29) },
        { title: 'old but kept', created_at: daysAgo(400) },
      ])
      .returning('id')
      .execute();
    await db
      .insertInto('chat_messages')
      .values(conversations.map(({ id }) => ({ conversation_id: id, role: 'user' as const, content: 'hi' })))
      .execute();

    expect(await call('purge_deleted_conversations')).toBe(1);

    expect(await db.selectFrom('chat_conversations').select('title').orderBy('title').execute()).toEqual([
      { title: 'deleted recently' },
      { title: 'old but kept' },
    ]);
    expect(await count('chat_messages')).toBe(2);
  });
});

describe('cleanup_old_api_audit_logs and cleanup_old_api_key_usage', () => {
  it('remove rows older than 90 days', async () => {
    const request = {
      action_type: 'GET',
      target_endpoint: '/api/x',
      request_method: 'GET',
      response_status: 200,
    };
    await db
      .insertInto('api_audit_logs')
      .values([
        { ...request, timestamp: daysAgo(91) },
        { ...request, timestamp: daysAgo(89) },
      ])
      .execute();
    const key = await db
      .insertInto('api_keys')
      .values({ key_hash: 'h', key_prefix: 'ak_00000', name: 'k' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const usage = { api_key_id: key.id, endpoint: '/api/x', method: 'GET', status_code: 200 };
    await db
      .insertInto('api_key_usage')
      .values([
        { ...usage, created_at: daysAgo(120) },
        { ...usage, created_at: daysAgo(95) },
        { ...usage, created_at: daysAgo(1) },
      ])
      .execute();

    expect(await call('cleanup_old_api_audit_logs')).toBe(1);
    expect(await call('cleanup_old_api_key_usage')).toBe(2);
    expect(await count('api_audit_logs')).toBe(1);
    expect(await count('api_key_usage')).toBe(1);
  });
});

describe('Telegram retention', () => {
  it('cleanup_telegram_message_logs removes messages older than 30 days', async () => {
    const message = { chat_id: 'c', message_type: 'alert', message_text: 'x' };
    await db
      .insertInto('telegram_message_log')
      .values([
        { ...message, sent_at: daysAgo(31) },
        { ...message, sent_at: daysAgo(29) },
      ])
      .execute();

    expect(await call('cleanup_telegram_message_logs')).toBe(1);
    expect(await count('telegram_message_log')).toBe(1);
  });

  it('cleanup_telegram_rate_limits removes windows older than one hour', async () => {
    await db
      .insertInto('telegram_rate_limits')
      .values([
        { chat_id: 'c', window_start: minutesAgo(61), message_count: 3 },
        { chat_id: 'c', window_start: minutesAgo(120), message_count: 1 },
        { chat_id: 'c', window_start: minutesAgo(10), message_count: 1 },
      ])
      .execute();

    expect(await call('cleanup_telegram_rate_limits')).toBe(2);
    expect(await count('telegram_rate_limits')).toBe(1);
  });
});
