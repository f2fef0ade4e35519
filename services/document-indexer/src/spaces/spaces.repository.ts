import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, DocumentSpace, DocumentSpaceUpdate, NewDocumentSpace } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

export interface SpaceRow extends DocumentSpace {
  document_count: number;
}

/** SQL of `document_spaces`. */
export const spacesRepository = {
  async list(db: Db): Promise<SpaceRow[]> {
    return db
      .selectFrom('document_spaces as s')
      .selectAll('s')
      .select((eb) =>
        eb
          .selectFrom('documents as d')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('d.space_id', '=', 's.id')
          .where('d.deleted_at', 'is', null)
          .as('document_count'),
      )
      .orderBy('s.is_default', 'desc')
      .orderBy('s.name')
      .execute() as Promise<SpaceRow[]>;
  },

  async findById(db: Db, id: string): Promise<DocumentSpace | undefined> {
    return db.selectFrom('document_spaces').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findDefault(db: Db): Promise<DocumentSpace | undefined> {
    return db.selectFrom('document_spaces').selectAll().where('is_default', '=', true).executeTakeFirst();
  },

  async insert(db: Db, values: NewDocumentSpace): Promise<DocumentSpace> {
    return db.insertInto('document_spaces').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async update(db: Db, id: string, values: DocumentSpaceUpdate): Promise<DocumentSpace | undefined> {
    return db
      .updateTable('document_spaces')
      .set(values)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async countDocuments(db: Db, id: string): Promise<number> {
    const row = await db
      .selectFrom('documents')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('space_id', '=', id)
      .executeTakeFirstOrThrow();
    return row.n;
  },

  async delete(db: Db, id: string): Promise<boolean> {
    const result = await db.deleteFrom('document_spaces').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  },
};
