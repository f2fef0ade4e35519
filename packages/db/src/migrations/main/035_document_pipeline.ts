/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * What the document-indexer needs for a crash-safe ingest pipeline. Only adds to the seed tables:
 *
 * - `document_spaces`: named collections of documents (unique slug), one default space "Allgemein".
 * - `documents`: space, uploader, content hash (unique per space among live rows), page count, language,
 *   title, the pipeline `stage`/`progress`, attempts, a lease for the watchdog, error code and message, the
 *   parts that failed (`failed_parts`), the dense-vector state and a soft-delete marker: a delete first sets
 *   `deleted_at`, then removes vectors, object and row; a part that fails is retried by the sweeper.
 *   The status CHECK is widened by the pipeline states (`indexing` stays valid for rows of the seed).
 * - `document_chunks`: page range, heading path, parent section, word count and two generated full-text
 *   columns (`fts_german`, `fts_simple`) with GIN indexes for keyword search.
 * - `document_sections`: the parent sections (≤ 2,000 words) the chunks were cut from, for answer context.
 * - `document_vectors`: the embedded vector store of native mode (float32 little-endian bytes).
 * - `document_vector_index`: which embedding model and dimension an index holds, so a model change is noticed.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('document_spaces')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('slug', 'varchar(100)', (col) => col.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('color', 'varchar(7)')
    .addColumn('is_default', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('document_spaces_slug_check', sql`slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`)
    .addCheckConstraint('document_spaces_color_check', sql`color IS NULL OR color ~ '^#[0-9a-fA-F]{6}$'`)
    .execute();
  await sql`CREATE UNIQUE INDEX idx_document_spaces_one_default ON document_spaces (is_default) WHERE is_default`.execute(
    db,
  );
  await sql`
    CREATE TRIGGER trigger_document_spaces_updated_at BEFORE UPDATE ON document_spaces
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);
  await sql`
    INSERT INTO document_spaces (name, slug, description, is_default)
    VALUES ('Allgemein', 'allgemein', 'Standardbereich für alle Dokumente', true)
  `.execute(db);

  await db.schema
    .alterTable('documents')
    .addColumn('space_id', 'uuid', (col) => col.references('document_spaces.id').onDelete('restrict'))
    .addColumn('content_sha256', 'char(64)')
    .addColumn('uploaded_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('page_count', 'integer')
    .addColumn('language', 'varchar(5)')
    .addColumn('title', 'varchar(500)')
    .addColumn('stage', 'varchar(20)')
    .addColumn('progress', 'smallint', (col) => col.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('lease_until', 'timestamptz')
    .addColumn('error_code', 'varchar(50)')
    .addColumn('failed_parts', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('dense_status', 'varchar(10)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('embedding_model', 'varchar(100)')
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await sql`UPDATE documents SET space_id = (SELECT id FROM document_spaces WHERE is_default)`.execute(db);
  await sql`ALTER TABLE documents ALTER COLUMN space_id SET NOT NULL`.execute(db);
  await sql`ALTER TABLE documents DROP CONSTRAINT documents_status_check`.execute(db);
  await sql`
    ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (status IN
      ('pending', 'indexing', 'parsing', 'ocr', 'chunking', 'embedding', 'indexed', 'partial', 'failed'))
  `.execute(db);
  await sql`ALTER TABLE documents ADD CONSTRAINT documents_progress_check CHECK (progress BETWEEN 0 AND 100)`.execute(
    db,
  );
  await sql`
    ALTER TABLE documents ADD CONSTRAINT documents_dense_status_check
    CHECK (dense_status IN ('pending', 'ready', 'none'))
  `.execute(db);
  // Same content twice in one space is refused; a document being deleted no longer counts.
  await sql`
    CREATE UNIQUE INDEX idx_documents_space_sha ON documents (space_id, content_sha256)
    WHERE deleted_at IS NULL AND content_sha256 IS NOT NULL
  `.execute(db);
  await sql`CREATE INDEX idx_documents_list ON documents (created_at DESC, id DESC) WHERE deleted_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX idx_documents_space ON documents (space_id) WHERE deleted_at IS NULL`.execute(db);
  await sql`CREATE INDEX idx_documents_deleting ON documents (deleted_at) WHERE deleted_at IS NOT NULL`.execute(
    db,
  );

  await db.schema
    .createTable('document_sections')
    .addColumn('document_id', 'uuid', (col) => col.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('section_index', 'integer', (col) => col.notNull())
    .addColumn('heading_path', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('page_start', 'integer')
    .addColumn('page_end', 'integer')
    .addColumn('content', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('document_sections_pkey', ['document_id', 'section_index'])
    .execute();

  await db.schema
    .alterTable('document_chunks')
    .addColumn('section_index', 'integer')
    .addColumn('page_start', 'integer')
    .addColumn('page_end', 'integer')
    .addColumn('heading_path', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('word_count', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await sql`
    ALTER TABLE document_chunks
      ADD COLUMN fts_german tsvector GENERATED ALWAYS AS (to_tsvector('german'::regconfig, content)) STORED,
      ADD COLUMN fts_simple tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED
  `.execute(db);
  await sql`CREATE INDEX idx_chunks_fts_german ON document_chunks USING gin (fts_german)`.execute(db);
  await sql`CREATE INDEX idx_chunks_fts_simple ON document_chunks USING gin (fts_simple)`.execute(db);

  // No foreign key to documents on purpose: the vector store is a separate system (like Qdrant); the
  // pipeline and the sweeper keep it in step.
  await db.schema
    .createTable('document_vectors')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('document_id', 'uuid', (col) => col.notNull())
    .addColumn('space_id', 'uuid', (col) => col.notNull())
    .addColumn('chunk_index', 'integer', (col) => col.notNull())
    .addColumn('vector', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('idx_document_vectors_document')
    .on('document_vectors')
    .column('document_id')
    .execute();

  await db.schema
    .createTable('document_vector_index')
    .addColumn('name', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('model', 'varchar(100)', (col) => col.notNull())
    .addColumn('dimension', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('document_vector_index').execute();
  await db.schema.dropTable('document_vectors').execute();
  await sql`
    ALTER TABLE document_chunks DROP COLUMN fts_german, DROP COLUMN fts_simple, DROP COLUMN section_index,
      DROP COLUMN page_start, DROP COLUMN page_end, DROP COLUMN heading_path, DROP COLUMN word_count
  `.execute(db);
  await db.schema.dropTable('document_sections').execute();
  await sql`DROP INDEX idx_documents_space_sha, idx_documents_list, idx_documents_space, idx_documents_deleting`.execute(
    db,
  );
  await sql`ALTER TABLE documents DROP CONSTRAINT documents_status_check, DROP CONSTRAINT documents_progress_check,
    DROP CONSTRAINT documents_dense_status_check`.execute(db);
  await sql`UPDATE documents SET status = 'indexing' WHERE status IN ('parsing', 'ocr', 'chunking', 'embedding')`.execute(
    db,
  );
  await sql`UPDATE documents SET status = 'indexed' WHERE status = 'partial'`.execute(db);
  await sql`
    ALTER TABLE documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('pending', 'indexing', 'indexed', 'failed'))
  `.execute(db);
  await db.schema
    .alterTable('documents')
    .dropColumn('space_id')
    .dropColumn('content_sha256')
    .dropColumn('uploaded_by')
    .dropColumn('page_count')
    .dropColumn('language')
    .dropColumn('title')
    .dropColumn('stage')
    .dropColumn('progress')
    .dropColumn('attempts')
    .dropColumn('lease_until')
    .dropColumn('error_code')
    .dropColumn('failed_parts')
    .dropColumn('dense_status')
    .dropColumn('embedding_model')
    .dropColumn('deleted_at')
    .execute();
  await db.schema.dropTable('document_spaces').execute();
}
