import type { Kysely } from 'kysely';
import { type SelfHealingSettings, selfHealingSettingsSchema } from '@arasul/contracts/http/self-healing';
import type { Database } from '@arasul/db';
import type { Logger } from '@arasul/service-kit/logger';
import { loadSettings, storeSettings } from '../healing/healing.repository';

/** Kubernetes' CrashLoopBackOff numbers; a budget of 5 actions in 30 min. */
export function defaultSettings(overrides: {
  unreadySeconds: number;
  rebootEnabled: boolean;
}): SelfHealingSettings {
  return {
    enabled: true,
    unreadySeconds: overrides.unreadySeconds,
    backoffBaseSeconds: 10,
    backoffMaxSeconds: 300,
    backoffResetMinutes: 10,
    budgetActions: 5,
    budgetWindowMinutes: 30,
    exclude: [],
    rebootEnabled: overrides.rebootEnabled,
  };
}

/**
 * The operator's settings, kept in Postgres and cached here: the healer reads `current()` on every decision,
 * so a change applies at the next tick.
 */
export class SettingsService {
  private cached: SelfHealingSettings;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaults: SelfHealingSettings,
    /** `SELF_HEALING_EXCLUDE`: always excluded, whatever the stored settings say. */
    private readonly envExclude: readonly string[],
    private readonly logger: Logger,
  ) {
    this.cached = defaults;
  }

  async load(): Promise<SelfHealingSettings> {
    const stored = await loadSettings(this.db);
    if (stored === null) return (this.cached = this.defaults);
    const parsed = selfHealingSettingsSchema.safeParse({ ...this.defaults, ...(stored as object) });
    if (!parsed.success) {
      this.logger.warn('stored self-healing settings are invalid, using the defaults', {
        issues: parsed.error.issues.length,
      });
      return (this.cached = this.defaults);
    }
    return (this.cached = parsed.data);
  }

  current(): SelfHealingSettings {
    return this.cached;
  }

  isExcluded(service: string): boolean {
    return this.envExclude.includes(service) || this.cached.exclude.includes(service);
  }

  envExcluded(): readonly string[] {
    return this.envExclude;
  }

  async update(settings: SelfHealingSettings, userId: number | null): Promise<SelfHealingSettings> {
    await storeSettings(this.db, settings, userId);
    this.cached = settings;
    return settings;
  }
}
