import { resolve } from 'node:path';
import { z } from 'zod';
import { type Env, commonEnvShape, env, loadConfig, loadConfigOrExit } from '@arasul/service-kit/config';

const serviceListOf = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(
      z
        .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'service names are lower-case, digits and dashes'))
        .max(50),
    );

/** Never restarted to free memory: data stores, the broker, the LLM backend, and the platform's spine. */
const CORE_SERVICES =
  'postgres,redis,rabbitmq,minio,qdrant,ollama,migrate,docker-socket-proxy,auth,gateway,llm-queue,metrics-collector,self-healing-agent,update-manager';

const serviceList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
  .pipe(
    z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'service names are lower-case, digits and dashes'))
      .max(50),
  );

export const selfHealingEnvSchema = z.object({
  ...commonEnvShape,
  SELF_HEALING_PORT: env.port(8085),
  SELF_HEALING_HOST: z.string().default('127.0.0.1'),
  INTERNAL_SECRET: z.string().min(32, 'INTERNAL_SECRET must be at least 32 characters'),
  /** The checkout (native mode): var/run/supervisor.token lives under `ARASUL_VAR` or `<root>/var`. */
  ARASUL_ROOT: z.string().default(resolve(__dirname, '..', '..', '..')),
  ARASUL_VAR: z.string().optional(),
  /** `auto`: Docker when the socket proxy answers, native otherwise. */
  SELF_HEALING_RUNTIME: z.enum(['auto', 'docker', 'native']).default('auto'),
  /** The docker-socket-proxy of compose (never the raw socket): `tcp://docker-socket-proxy:2375`. */
  DOCKER_HOST: z
    .string()
    .regex(/^(tcp|http|unix):\/\/\S+$/, 'DOCKER_HOST is tcp://host:port, http://host:port or unix:///path')
    .optional(),
  /** The compose project whose containers are watched (label `com.docker.compose.project`). */
  COMPOSE_PROJECT_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default('arasul'),
  /** Docker mode: a full reconcile pass every this many ms, for what the event stream may have missed. */
  SELF_HEALING_RECONCILE_MS: env.int(10_000, 1000, 300_000),
  SUPERVISOR_URL: z.url().optional(),
  SUPERVISOR_PORT: env.port(8099),
  /** Default for the setting: a running service not ready this long is hung and gets restarted. */
  SELF_HEALING_UNREADY_S: env.int(15, 5, 600),
  /** Services the agent never touches (plus what operators add in the settings). */
  SELF_HEALING_EXCLUDE: serviceList,
  SELF_HEALING_REBOOT_ENABLED: env.bool(false),
  /** The host reboot as a command line (split on spaces, run without a shell). */
  SELF_HEALING_REBOOT_COMMAND: z
    .string()
    .trim()
    .min(1)
    .default('systemctl reboot')
    .transform((v) => v.split(/\s+/)),
  /**
   * Docker mode: the reboot is a request written to this file (a bind mount of the host's
   * /var/lib/arasul/reboot-request), which the host's systemd path unit carries out; the command is not run.
   */
  SELF_HEALING_REBOOT_REQUEST_PATH: z
    .string()
    .trim()
    .refine((v) => v.startsWith('/'), 'must be an absolute path')
    .optional(),
  /**
   * Docker mode: a directory shared with the host (bind mount of /var/lib/arasul/recreate-request) where the
   * agent asks for a container to be recreated from its compose definition (`recreate-<service>.request`);
   * the host's systemd path unit (infra/host/arasul-recreate-request.path) carries it out. Unset: the ladder
   * has no recreate rung.
   */
  SELF_HEALING_RECREATE_REQUEST_DIR: z
    .string()
    .trim()
    .refine((v) => v.startsWith('/'), 'must be an absolute path')
    .optional(),
  /** How long the host has to take a recreate request before the action counts as failed. */
  SELF_HEALING_RECREATE_TAKEN_S: env.int(30, 1, 600),
  /** An update holds this file while it runs (`var/run/update.lock` unless set); no reboot then. */
  SELF_HEALING_UPDATE_LOCK_PATH: z.string().optional(),
  /** Evaluation tick: hung detection, back-off expiry, back-off reset. */
  SELF_HEALING_TICK_MS: env.int(500, 100, 10_000),
  /** The heartbeat file the host dead-man unit watches (`var/run/self-healing.heartbeat` unless set). */
  SELF_HEALING_HEARTBEAT_PATH: z.string().optional(),
  SELF_HEALING_HEARTBEAT_MS: env.int(5000, 500, 60_000),
  /** Disk guard: safe cleanup from this percent, critical incident from the second. */
  SELF_HEALING_DISK_CLEANUP_PERCENT: env.int(90, 50, 99),
  SELF_HEALING_DISK_CRITICAL_PERCENT: env.int(95, 50, 100),
  /** Folders whose files older than a day the disk cleanup may delete (comma-separated; never user data). */
  SELF_HEALING_CLEANUP_DIRS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.startsWith('/')),
    ),
  /** The LLM backend the temperature guard stops while it stays critical. */
  SELF_HEALING_LLM_SERVICE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .default('ollama'),
  SELF_HEALING_THERMAL_STOP_S: env.int(120, 5, 3600),
  /** GPU-hang guard: load at or above this percent … */
  SELF_HEALING_GPU_HANG_PERCENT: env.int(99, 50, 100),
  /** … for this long without a new token from llm-queue → unload the models. */
  SELF_HEALING_GPU_HANG_S: env.int(300, 5, 3600),
  /** How often the GPU-hang guard reads the collector's snapshot. */
  SELF_HEALING_METRICS_POLL_MS: env.int(5000, 200, 60_000),
  /** RAM guard: still critical this long after batch work was paused → restart the heaviest non-core service. */
  SELF_HEALING_RAM_SHED_S: env.int(60, 1, 3600),
  SELF_HEALING_CORE_SERVICES: serviceListOf(CORE_SERVICES),
  /** The metrics collector (its internal snapshot, for the GPU-hang guard). */
  METRICS_URL: z.url().default('http://127.0.0.1:8083'),
  /** llm-queue, asked by the diagnosis assistant (internal API, same queue as every caller). */
  LLM_QUEUE_URL: z.url().default('http://127.0.0.1:8082'),
  SELF_HEALING_ASK_TIMEOUT_MS: env.int(120_000, 1000, 600_000),
  /** Reported in `system.boot`. */
  ARASUL_VERSION: z.string().min(1).max(50).default('local'),
});

export type SelfHealingConfig = Readonly<z.output<typeof selfHealingEnvSchema>>;

/** Throws `ConfigError` listing every bad variable (tests use this). */
export function parseSelfHealingConfig(source: Env): SelfHealingConfig {
  return loadConfig(selfHealingEnvSchema, source);
}

/** For main: print every bad variable and exit non-zero. */
export function loadSelfHealingConfig(source: Env = process.env): SelfHealingConfig {
  return loadConfigOrExit(selfHealingEnvSchema, source);
}
