import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { HealthRegistry, Logger } from '@arasul/service-kit';
import type { SelfHealingConfig } from './config';
import { Healer } from './healing/healer';
import { type EventPublisher, HealingRecorder } from './healing/healing.recorder';
import type { Runtime } from './runtime/runtime';
import { SettingsService, defaultSettings } from './settings/settings.service';

export const SELF_NAME = 'self-healing-agent';

export interface Agent {
  healer: Healer;
  settings: SettingsService;
  recorder: HealingRecorder;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The agent's parts wired together (main and the tests build it the same way). */
export function createAgent(deps: {
  config: SelfHealingConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  bus: EventPublisher;
  runtime: Runtime;
}): Agent {
  const { config, logger, db, runtime } = deps;
  const settings = new SettingsService(
    db,
    defaultSettings({
      unreadySeconds: config.SELF_HEALING_UNREADY_S,
      rebootEnabled: config.SELF_HEALING_REBOOT_ENABLED,
    }),
    config.SELF_HEALING_EXCLUDE,
    logger.child({ module: 'settings' }),
  );
  const recorder = new HealingRecorder(
    db,
    deps.bus,
    () => runtime.kind,
    logger.child({ module: 'recorder' }),
  );
  const healer = new Healer(db, runtime, settings, recorder, logger.child({ module: 'healer' }), {
    tickMs: config.SELF_HEALING_TICK_MS,
    self: SELF_NAME,
  });
  deps.health.register({
    name: 'runtime',
    critical: false,
    check: () => {
      if (!runtime.connected()) return Promise.reject(new Error(`${runtime.kind} runtime not connected`));
      return Promise.resolve({ runtime: runtime.kind, services: healer.services().length });
    },
  });
  return {
    healer,
    settings,
    recorder,
    start: async () => {
      await settings.load();
      await healer.start();
    },
    stop: () => healer.stop(),
  };
}
