/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/** Seed topic 009: uploaded documents and their text chunks (the vectors live in the vector store). */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('documents')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('filename', 'varchar(255)', (col) => col.notNull())
    .addColumn('original_name', 'varchar(255)', (col) => col.notNull())
    .addColumn('mime_type', 'varchar(100)')
    .addColumn('size_bytes', 'bigint', (col) => col.notNull())
    .addColumn('minio_path', 'varchar(500)', (col) => col.notNull())
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('chunk_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('indexed_at', 'timestamptz')
    .addCheckConstraint('documents_status_check', sql`status IN ('pending', 'indexing', 'indexed', 'failed')`)
    .execute();
  await db.schema.createIndex('idx_documents_status').on('documents').column('status').execute();
  await db.schema.createIndex('idx_documents_created').on('documents').column('created_at desc').execute();
  await sql`
    CREATE TRIGGER trigger_documents_updated_at BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // UNIQUE (document_id, chunk_index): a re-index that forgot to clear the old chunks fails loudly.
  await db.schema
    .createTable('document_chunks')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('document_id', 'uuid', (col) => col.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('chunk_index', 'integer', (col) => col.notNull())
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('embedding_id', 'varchar(100)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('document_chunks_document_chunk_key', ['document_id', 'chunk_index'])
    .execute();
  await db.schema.createIndex('idx_chunks_document').on('document_chunks').column('document_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('document_chunks').execute();
  await db.schema.dropTable('documents').execute();
}
