/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 005: chat. `message_count` is maintained by a trigger so the conversation list never has to
 * count messages, and it stays right whoever writes the messages.
 */

export async function up(db: Kysely<any>): Promise<void> {
  // title may stay NULL: the dashboard picks the label for an untitled chat in the user's language.
  await db.schema
    .createTable('chat_conversations')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('title', 'varchar(255)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('message_count', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('idx_conversations_updated')
    .on('chat_conversations')
    .column('updated_at desc')
    .execute();
  await db.schema
    .createIndex('idx_conversations_deleted')
    .on('chat_conversations')
    .column('deleted_at')
    .execute();
  await sql`
    CREATE TRIGGER trigger_chat_conversations_updated_at BEFORE UPDATE ON chat_conversations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // `sources` is added by 007, as in the seed.
  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('conversation_id', 'uuid', (col) =>
      col.notNull().references('chat_conversations.id').onDelete('cascade'),
    )
    .addColumn('role', 'varchar(20)', (col) => col.notNull())
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('thinking', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('chat_messages_role_check', sql`role IN ('user', 'assistant', 'system')`)
    .execute();
  await db.schema
    .createIndex('idx_messages_conversation')
    .on('chat_messages')
    .columns(['conversation_id', 'created_at'])
    .execute();

  // Also handles a message moved to another conversation, so the count is an invariant, not a best effort.
  await sql`
    CREATE FUNCTION update_conversation_message_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.conversation_id = NEW.conversation_id THEN
        RETURN NULL;
      END IF;
      IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE chat_conversations
           SET message_count = message_count - 1, updated_at = now()
         WHERE id = OLD.conversation_id;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE chat_conversations
           SET message_count = message_count + 1, updated_at = now()
         WHERE id = NEW.conversation_id;
      END IF;
      RETURN NULL;
    END
    $$
  `.execute(db);
  await sql`
    CREATE TRIGGER update_message_count AFTER INSERT OR DELETE OR UPDATE OF conversation_id ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION update_conversation_message_count()
  `.execute(db);

  // Retention (seed: deleted conversations 30 days after the soft delete). Messages go with them (CASCADE).
  await sql`
    CREATE FUNCTION purge_deleted_conversations(retention_days integer DEFAULT 30) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      DELETE FROM chat_conversations WHERE deleted_at < now() - make_interval(days => retention_days);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION purge_deleted_conversations(integer)`.execute(db);
  await db.schema.dropTable('chat_messages').execute();
  await sql`DROP FUNCTION update_conversation_message_count()`.execute(db);
  await db.schema.dropTable('chat_conversations').execute();
}
