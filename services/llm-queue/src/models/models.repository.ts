import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, LlmModelCategory, LlmModelSwitchTrigger } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

export interface CatalogEntry {
  id: string;
  ollamaName: string;
  name: string;
  description: string;
  sizeBytes: number;
  ramRequiredGb: number;
  category: LlmModelCategory;
  capabilities: string[];
  jetsonTested: boolean;
  performanceTier: 1 | 2 | 3;
}

export interface InstalledFromOllama {
  name: string;
  sizeBytes: number | null;
  digest: string | null;
}

/** SQL of the model tables (catalog, installed, switches). */
export const modelsRepository = {
  async upsertCatalog(db: Db, entries: readonly CatalogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await db
      .insertInto('llm_model_catalog')
      .values(
        entries.map((e) => ({
          id: e.id,
          ollama_name: e.ollamaName,
          name: e.name,
          description: e.description,
          size_bytes: e.sizeBytes,
          ram_required_gb: e.ramRequiredGb,
          category: e.category,
          capabilities: JSON.stringify(e.capabilities),
          jetson_tested: e.jetsonTested,
          performance_tier: e.performanceTier,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          ollama_name: eb.ref('excluded.ollama_name'),
          name: eb.ref('excluded.name'),
          description: eb.ref('excluded.description'),
          size_bytes: eb.ref('excluded.size_bytes'),
          ram_required_gb: eb.ref('excluded.ram_required_gb'),
          category: eb.ref('excluded.category'),
          capabilities: eb.ref('excluded.capabilities'),
          jetson_tested: eb.ref('excluded.jetson_tested'),
          performance_tier: eb.ref('excluded.performance_tier'),
        })),
      )
      .execute();
  },

  listCatalog(db: Db) {
    return db
      .selectFrom('llm_model_catalog')
      .selectAll()
      .orderBy('performance_tier')
      .orderBy('ram_required_gb')
      .orderBy('id')
      .limit(1000)
      .execute();
  },

  listInstalled(db: Db) {
    return db.selectFrom('llm_installed_models').selectAll().orderBy('id').limit(1000).execute();
  },

  findInstalled(db: Db, id: string) {
    return db.selectFrom('llm_installed_models').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /**
   * Makes the table say what Ollama has: listed models become `available` (size/digest updated), rows of
   * models Ollama no longer has are removed, except those being downloaded right now.
   */
  async reconcile(
    trx: Transaction<Database>,
    models: readonly InstalledFromOllama[],
    pulling: readonly string[],
  ) {
    const names = models.map((m) => m.name);
    const always = sql<boolean>`true`;
    await trx
      .deleteFrom('llm_installed_models')
      .where((eb) =>
        eb.and([
          names.length > 0 ? eb('id', 'not in', names) : always,
          eb.or([
            eb('status', '!=', 'downloading'),
            pulling.length > 0 ? eb('id', 'not in', pulling) : always,
          ]),
        ]),
      )
      .execute();
    if (models.length === 0) return;
    await trx
      .insertInto('llm_installed_models')
      .values(
        models.map((m) => ({
          id: m.name,
          status: 'available' as const,
          download_progress: 100,
          downloaded_at: sql<Date>`now()`,
          size_bytes: m.sizeBytes,
          digest: m.digest,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          status: 'available',
          download_progress: 100,
          error: null,
          size_bytes: eb.ref('excluded.size_bytes'),
          digest: eb.ref('excluded.digest'),
          downloaded_at: sql<Date>`coalesce(llm_installed_models.downloaded_at, now())`,
        })),
      )
      .execute();
  },

  async markDownloading(db: Db, id: string, progress: number): Promise<void> {
    await db
      .insertInto('llm_installed_models')
      .values({ id, status: 'downloading', download_progress: progress })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          status: sql`CASE WHEN llm_installed_models.status = 'available' THEN 'available' ELSE 'downloading' END`,
          download_progress: progress,
          error: null,
        }),
      )
      .execute();
  },

  async markPullFailed(db: Db, id: string, error: string): Promise<void> {
    await db
      .updateTable('llm_installed_models')
      .set({ status: 'error', error: error.slice(0, 2000) })
      .where('id', '=', id)
      .where('status', '!=', 'available')
      .execute();
  },

  async remove(db: Db, id: string): Promise<void> {
    await db.deleteFrom('llm_installed_models').where('id', '=', id).execute();
  },

  async setDefault(trx: Transaction<Database>, id: string): Promise<boolean> {
    await trx
      .updateTable('llm_installed_models')
      .set({ is_default: false })
      .where('is_default', '=', true)
      .execute();
    const result = await trx
      .updateTable('llm_installed_models')
      .set({ is_default: true })
      .where('id', '=', id)
      .where('status', '=', 'available')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  },

  async defaultModel(db: Db): Promise<string | undefined> {
    const row = await db
      .selectFrom('llm_installed_models')
      .select('id')
      .where('is_default', '=', true)
      .where('status', '=', 'available')
      .executeTakeFirst();
    return row?.id;
  },

  async firstAvailable(db: Db): Promise<string | undefined> {
    const row = await db
      .selectFrom('llm_installed_models')
      .select('id')
      .where('status', '=', 'available')
      .orderBy('last_used_at', (ob) => ob.desc().nullsLast())
      .orderBy('id')
      .executeTakeFirst();
    return row?.id;
  },

  async recordSwitch(
    db: Db,
    fromModel: string | null,
    toModel: string,
    durationMs: number,
    trigger: LlmModelSwitchTrigger,
  ): Promise<void> {
    await db
      .insertInto('llm_model_switches')
      .values({
        from_model: fromModel,
        to_model: toModel,
        switch_duration_ms: durationMs,
        triggered_by: trigger,
      })
      .execute();
  },

  recentSwitches(db: Db, limit: number) {
    return db
      .selectFrom('llm_model_switches')
      .select(['from_model', 'to_model', 'switch_duration_ms', 'triggered_by', 'switched_at'])
      .orderBy('switched_at', 'desc')
      .limit(limit)
      .execute();
  },
};
