import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';

/** The one row of rag_settings (migration 037). */
export const ragSettingsRepository = {
  async read(db: Kysely<Database>) {
    return db
      .selectFrom('rag_settings')
      .select(['settings', 'updated_at', 'updated_by'])
      .where('id', '=', 1)
      .executeTakeFirst();
  },

  async write(db: Kysely<Database>, settings: unknown, userId: number | null) {
    const json = JSON.stringify(settings);
    return db
      .insertInto('rag_settings')
      .values({ id: 1, settings: json, updated_by: userId })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ settings: json, updated_by: userId, updated_at: new Date() }),
      )
      .returning(['settings', 'updated_at', 'updated_by'])
      .executeTakeFirstOrThrow();
  },
};
