import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { join } from 'node:path';
import type { AmqpClient } from '@arasul/service-kit/amqp';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import { BootRecorder } from './boot/boot.service';
import { RebootService } from './boot/reboot.service';
import { LlmControlClient } from './clients/llm-control.client';
import { MetricsClient } from './clients/metrics.client';
import { GpuHangGuard } from './guards/gpu-hang.guard';
import { MemoryGuard } from './guards/memory.guard';
import type { SelfHealingConfig } from './config';
import { consumeAlerts } from './guards/alerts.consumer';
import { Guards } from './guards/guards.service';
import { Healer } from './healing/healer';
import { type EventPublisher, HealingRecorder } from './healing/healing.recorder';
import type { Runtime } from './runtime/runtime';
import { SettingsService, defaultSettings } from './settings/settings.service';

export const SELF_NAME = 'self-healing-agent';

export interface Agent {
  healer: Healer;
  boot: BootRecorder;
  guards: Guards;
  gpuHang: GpuHangGuard;
  reboot: RebootService;
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
  /** Where the guards' alert events come from; without it the guards only run when called. */
  consumer?: AmqpClient;
  runtime: Runtime;
  /** Tests pin the host's boot time. */
  bootedAt?: () => Date;
  /** Tests read scripted snapshots instead of the collector's. */
  metrics?: { latest: MetricsClient['latest'] };
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
  const varDir = config.ARASUL_VAR ?? join(config.ARASUL_ROOT, 'var');
  const llm = new LlmControlClient(config.LLM_QUEUE_URL, config.INTERNAL_SECRET);
  const memory = new MemoryGuard(
    healer,
    recorder,
    llm,
    {
      coreServices: config.SELF_HEALING_CORE_SERVICES,
      shedAfterMs: config.SELF_HEALING_RAM_SHED_S * 1000,
      pauseSeconds: 900,
    },
    logger.child({ module: 'memory-guard' }),
  );
  const gpuHang = new GpuHangGuard(
    deps.metrics ?? new MetricsClient(config.METRICS_URL, config.INTERNAL_SECRET),
    llm,
    recorder,
    {
      percent: config.SELF_HEALING_GPU_HANG_PERCENT,
      windowMs: config.SELF_HEALING_GPU_HANG_S * 1000,
      pollMs: config.SELF_HEALING_METRICS_POLL_MS,
    },
    logger.child({ module: 'gpu-hang-guard' }),
  );
  const reboot = new RebootService(
    db,
    healer,
    settings,
    recorder,
    {
      command: config.SELF_HEALING_REBOOT_COMMAND,
      requestFile: config.SELF_HEALING_REBOOT_REQUEST_PATH,
      minIntervalMs: 3_600_000,
      updateLockFile: config.SELF_HEALING_UPDATE_LOCK_PATH ?? join(varDir, 'run', 'update.lock'),
      updateStaleMs: 6 * 3_600_000,
      commandTimeoutMs: 30_000,
    },
    logger.child({ module: 'reboot' }),
  );
  // The top of the ladder: a critical incident the agent could not heal (every rung tried, or a GPU that
  // stays hung after its models were unloaded). Quarantine, disk, heat and memory never reboot the box.
  recorder.onEscalated((e) => {
    if (e.severity !== 'critical') return;
    if (e.cause === 'ladder_exhausted' || (e.cause === 'guard' && e.trigger === 'gpu')) {
      void reboot
        .consider({ service: e.service, reason: e.reason, trigger: e.trigger })
        .catch((error: unknown) => {
          logger.error('the reboot decision failed', errorMeta(error));
        });
    }
  });
  const guards = new Guards(
    healer,
    recorder,
    {
      cleanup: {
        logDirs: [join(varDir, 'log')],
        oldFileDirs: config.SELF_HEALING_CLEANUP_DIRS,
        maxAgeMs: 24 * 3_600_000,
      },
      diskCleanupPercent: config.SELF_HEALING_DISK_CLEANUP_PERCENT,
      diskCriticalPercent: config.SELF_HEALING_DISK_CRITICAL_PERCENT,
      llmService: config.SELF_HEALING_LLM_SERVICE,
      thermalStopAfterMs: config.SELF_HEALING_THERMAL_STOP_S * 1000,
    },
    logger.child({ module: 'guards' }),
    llm,
    memory,
  );
  let stopConsumer: (() => Promise<void>) | undefined;
  const boot = new BootRecorder(db, deps.bus, logger.child({ module: 'boot' }), {
    version: config.ARASUL_VERSION,
    ...(deps.bootedAt ? { bootedAt: deps.bootedAt } : {}),
  });
  deps.health.register({
    name: 'runtime',
    critical: false,
    check: () => {
      if (!runtime.connected()) return Promise.reject(new Error(`${runtime.kind} runtime not connected`));
      return Promise.resolve({
        runtime: runtime.kind,
        services: healer.services().length,
        // Shown by /api/health and `scripts/arasul status` next to the other stand-ins of native mode.
        ...(runtime.kind === 'native'
          ? { fallback: 'self-healing through the native supervisor (no Docker engine)' }
          : {}),
      });
    },
  });
  return {
    healer,
    boot,
    guards,
    gpuHang,
    reboot,
    settings,
    recorder,
    start: async () => {
      await settings.load();
      const cached = await db
        .selectFrom('service_status_cache')
        .select(['service_name', 'status', 'health'])
        .execute();
      await boot.recordIfNew(cached);
      await healer.start();
      if (deps.consumer) stopConsumer = await consumeAlerts(deps.consumer, guards);
      gpuHang.start();
    },
    stop: async () => {
      gpuHang.stop();
      await stopConsumer?.();
      guards.stop();
      await healer.stop();
    },
  };
}
