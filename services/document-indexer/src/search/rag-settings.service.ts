import type { Kysely } from 'kysely';
import { DEFAULT_RAG_SETTINGS, type RagSettings, ragSettingsSchema } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import type { Logger } from '@arasul/service-kit';
import { ragSettingsRepository } from './rag-settings.repository';

export interface RagSettingsDto {
  settings: RagSettings;
  /** Whether an administrator has saved settings (false: the built-in defaults). */
  customized: boolean;
  updatedAt: string | null;
}

/** Retrieval settings: read on every search (so a change applies at once), written by administrators. */
export class RagSettingsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
  ) {}

  async current(): Promise<RagSettings> {
    return (await this.get()).settings;
  }

  async get(): Promise<RagSettingsDto> {
    const row = await ragSettingsRepository.read(this.db);
    if (!row) return { settings: DEFAULT_RAG_SETTINGS, customized: false, updatedAt: null };
    // A row from an older version may miss a newer field: the default fills it.
    const parsed = ragSettingsSchema.safeParse({ ...DEFAULT_RAG_SETTINGS, ...(row.settings as object) });
    return {
      settings: parsed.success ? parsed.data : DEFAULT_RAG_SETTINGS,
      customized: true,
      updatedAt: row.updated_at.toISOString(),
    };
  }

  async put(settings: RagSettings, userId: number): Promise<RagSettingsDto> {
    const row = await ragSettingsRepository.write(this.db, settings, userId);
    this.logger.info('retrieval settings changed', { userId, settings });
    return { settings, customized: true, updatedAt: row.updated_at.toISOString() };
  }
}
