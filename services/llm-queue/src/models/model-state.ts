import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit';
import type { OllamaClient } from '../clients/ollama.client';
import type { ModelLoader } from '../scheduler/scheduler.port';
import type { Throughput } from '../scheduler/throughput';
import { modelsRepository } from './models.repository';

/**
 * What Ollama has in memory, as far as the scheduler knows (refreshed from /api/ps), and the one way to
 * switch models: an explicit load, timed and recorded in llm_model_switches.
 */
export class ModelState implements ModelLoader {
  private loaded = new Set<string>();
  private readonly log: Logger;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ollama: OllamaClient,
    private readonly throughput: Throughput,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'models' });
  }

  loadedModels(): ReadonlySet<string> {
    return this.loaded;
  }

  /** The model loaded most recently (the one a new job would not have to switch away from). */
  current(): string | null {
    let last: string | null = null;
    for (const model of this.loaded) last = model;
    return last;
  }

  async refresh(signal?: AbortSignal): Promise<void> {
    const running = await this.ollama.runningModels(signal);
    this.loaded = new Set(running.map((m) => m.name));
  }

  /** Loads `model` unless it is in memory; `onLoading` is told first (the `model_loading` event). */
  async ensureLoaded(
    model: string,
    signal: AbortSignal,
    onLoading: (from: string | null) => void,
  ): Promise<void> {
    if (this.loaded.has(model)) return;
    const from = this.current();
    onLoading(from);
    const ms = await this.ollama.load(model, signal);
    this.loaded.add(model);
    // Ollama may have evicted another model to make room; ask instead of guessing.
    await this.refresh(signal).catch(() => undefined);
    this.loaded.add(model);
    this.throughput.recordSwitch(ms);
    await modelsRepository.recordSwitch(this.db, from, model, ms, 'queue').catch((error: unknown) => {
      this.log.warn('model switch not recorded', { model, ...errorMeta(error) });
    });
  }

  /** After an out-of-memory error or on the self-healing agent's word: unload everything (`keep_alive: 0`). */
  async unloadAll(signal?: AbortSignal): Promise<string[]> {
    const running = await this.ollama.runningModels(signal).catch(() => []);
    const names = new Set([...running.map((m) => m.name), ...this.loaded]);
    const unloaded: string[] = [];
    for (const name of names) {
      await this.ollama.unload(name, signal).then(
        () => unloaded.push(name),
        (error: unknown) => this.log.warn('unload failed', { model: name, ...errorMeta(error) }),
      );
    }
    this.loaded.clear();
    return unloaded;
  }
}
