import type { CatalogModelDto, InstalledModelDto, InstalledModels, ModelSwitchDto } from '@arasul/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit';
import { ModelNotInstalledError, type OllamaClient, type OllamaTag } from '../clients/ollama.client';
import type { Scheduler } from '../scheduler/scheduler';
import { MODEL_CATALOG } from './catalog';
import type { ModelState } from './model-state';
import type { PullListener, PullManager } from './model-pulls';
import { ModelInUseError, NoModelError } from './models.errors';
import { modelsRepository } from './models.repository';

/** `llama3` → `llama3:latest`, as Ollama names it. */
export function normalizeModelName(name: string): string {
  const trimmed = name.trim();
  const lastSegment = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? trimmed : `${trimmed}:latest`;
}

/** How long an admission trusts a remembered default model or installed model without asking the table. */
const DEFAULT_CACHE_MS = 5000;

export type { InstalledModelDto };

/** The model catalog, what Ollama has installed, pulls, the default model. */
export class ModelsService {
  private readonly log: Logger;
  private defaultCache: { model: string; at: number } | undefined;
  /** Models found `available`, and when: an admission naming one skips the table (a query before its own). */
  private readonly installedCache = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ollama: OllamaClient,
    private readonly state: ModelState,
    private readonly scheduler: Scheduler,
    private readonly pulls: PullManager,
    private readonly configuredDefault: string | undefined,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'models' });
  }

  /** The shipped catalog into llm_model_catalog (upsert; on every start). */
  async syncCatalog(): Promise<void> {
    await modelsRepository.upsertCatalog(this.db, MODEL_CATALOG);
  }

  async catalog(): Promise<CatalogModelDto[]> {
    const [rows, installed] = await Promise.all([
      modelsRepository.listCatalog(this.db),
      modelsRepository.listInstalled(this.db),
    ]);
    const status = new Map(installed.map((m) => [m.id, m.status]));
    return rows.map((row) => ({
      id: row.id,
      ollamaName: row.ollama_name ?? row.id,
      name: row.name,
      description: row.description,
      sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
      ramRequiredGb: row.ram_required_gb,
      category: row.category,
      capabilities: row.capabilities,
      jetsonTested: row.jetson_tested,
      performanceTier: row.performance_tier,
      installStatus: status.get(row.ollama_name ?? row.id) ?? null,
    }));
  }

  /** Brings llm_installed_models in line with Ollama's /api/tags; returns the tags. */
  async reconcile(): Promise<OllamaTag[]> {
    this.installedCache.clear();
    const tags = await this.ollama.tags();
    await this.db.transaction().execute((trx) =>
      modelsRepository.reconcile(
        trx,
        tags.map((t) => ({ name: t.name, sizeBytes: t.size ?? null, digest: t.digest ?? null })),
        this.pulls.active(),
      ),
    );
    return tags;
  }

  /** Installed models, reconciled with Ollama when it answers (else the last known state, flagged). */
  async installed(): Promise<InstalledModels> {
    let backend: 'up' | 'down' = 'up';
    let reason: string | null = null;
    try {
      await this.reconcile();
    } catch (error) {
      backend = 'down';
      reason = error instanceof Error ? error.message : String(error);
    }
    const [rows, catalog] = await Promise.all([
      modelsRepository.listInstalled(this.db),
      modelsRepository.listCatalog(this.db),
    ]);
    const byName = new Map(catalog.map((c) => [c.ollama_name ?? c.id, c]));
    const loaded = this.state.loadedModels();
    // Until an operator picks a default, the configured LLM_DEFAULT_MODEL is the one chats use: say so.
    const fallbackDefault =
      rows.some((row) => row.is_default) || this.configuredDefault === undefined
        ? undefined
        : normalizeModelName(this.configuredDefault);
    return {
      backend,
      reason,
      items: rows.map((row) => {
        const entry = byName.get(row.id);
        return {
          name: row.id,
          status: row.status,
          downloadProgress: row.download_progress,
          sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
          digest: row.digest,
          isDefault: row.is_default || row.id === fallbackDefault,
          loaded: loaded.has(row.id),
          lastUsedAt: row.last_used_at?.toISOString() ?? null,
          usageCount: row.usage_count,
          downloadedAt: row.downloaded_at?.toISOString() ?? null,
          error: row.error,
          catalog: entry
            ? {
                id: entry.id,
                name: entry.name,
                category: entry.category,
                ramRequiredGb: entry.ram_required_gb,
              }
            : null,
        };
      }),
    };
  }

  async resolve(requested: string | undefined): Promise<string> {
    if (requested !== undefined) {
      const name = normalizeModelName(requested);
      if (await this.isInstalled(name)) return name;
      throw new ModelNotInstalledError(name);
    }
    // Every admission asks; the answer changes only through this service (or a new start).
    if (this.defaultCache && Date.now() - this.defaultCache.at < DEFAULT_CACHE_MS)
      return this.defaultCache.model;
    const chosen =
      (await modelsRepository.defaultModel(this.db)) ??
      (this.configuredDefault === undefined ? undefined : normalizeModelName(this.configuredDefault)) ??
      (await modelsRepository.firstAvailable(this.db));
    if (chosen === undefined) throw new NoModelError();
    this.defaultCache = { model: chosen, at: Date.now() };
    return chosen;
  }

  /** Known from the table; on a miss Ollama is asked (a model pulled by hand). Unknown while Ollama is away. */
  private async isInstalled(name: string): Promise<boolean> {
    const seen = this.installedCache.get(name);
    if (seen !== undefined && Date.now() - seen < DEFAULT_CACHE_MS) return true;
    const row = await modelsRepository.findInstalled(this.db, name);
    if (row?.status === 'available') {
      // Bounded by the installed models (a handful); cleared by every change made through this service.
      this.installedCache.set(name, Date.now());
      return true;
    }
    try {
      const tags = await this.reconcile();
      return tags.some((t) => t.name === name);
    } catch (error) {
      // Ollama is away: accept the job; the run fails with model_not_installed if it really is missing.
      this.log.debug('model check skipped: ollama unreachable', { model: name, ...errorMeta(error) });
      return true;
    }
  }

  pull(name: string, listener?: PullListener) {
    return this.pulls.start(normalizeModelName(name), listener);
  }

  async remove(name: string): Promise<void> {
    const model = normalizeModelName(name);
    if (this.scheduler.runningJobs().some((r) => r.model === model)) throw new ModelInUseError(model);
    try {
      await this.ollama.deleteModel(model);
    } catch (error) {
      if (!(error instanceof ModelNotInstalledError)) throw error;
      const known = await modelsRepository.findInstalled(this.db, model);
      if (!known) throw error;
    }
    await modelsRepository.remove(this.db, model);
    this.defaultCache = undefined;
    this.installedCache.clear();
  }

  async setDefault(name: string): Promise<void> {
    const model = normalizeModelName(name);
    this.defaultCache = undefined;
    const row = await modelsRepository.findInstalled(this.db, model);
    if (row?.status !== 'available') await this.reconcile().catch(() => undefined);
    await this.db.transaction().execute(async (trx) => {
      if (!(await modelsRepository.setDefault(trx, model))) throw new ModelNotInstalledError(model);
    });
    this.defaultCache = undefined;
  }

  async recentSwitches(limit: number): Promise<ModelSwitchDto[]> {
    const rows = await modelsRepository.recentSwitches(this.db, limit);
    return rows.map((r) => ({
      fromModel: r.from_model,
      toModel: r.to_model,
      durationMs: r.switch_duration_ms,
      triggeredBy: r.triggered_by,
      switchedAt: r.switched_at.toISOString(),
    }));
  }
}
