import type { SelfHealingRuntime } from '@arasul/contracts/events/selfhealing';
import type { WatchedServiceState } from '@arasul/contracts/http/self-healing';

/** One service as a runtime sees it (a supervisor process or a compose container). */
export interface RuntimeService {
  name: string;
  state: WatchedServiceState;
  /** `null` when the runtime has no readiness information (a container without a healthcheck). */
  ready: boolean | null;
  notReadyReason: string | null;
  pid: number | null;
  uptimeSeconds: number | null;
  /** Restarts the runtime did on its own. */
  restarts: number;
  quarantined: boolean;
  /** Watched services this one needs (Docker: compose depends_on; native: readiness checks that name one). */
  dependencies: string[];
}

/** What a runtime pushes; `snapshot` comes first after every (re)connect. */
export type RuntimeEvent =
  | { type: 'snapshot'; services: RuntimeService[] }
  | {
      type: 'exited';
      service: string;
      code: number | null;
      signal: string | null;
      at: Date;
      /** The runtime restarts it by itself (supervisor back-off / restart policy). */
      willRestart: boolean;
      /** `oom` for the Docker OOM killer. */
      oom?: boolean;
    }
  | { type: 'readiness'; service: string; ready: boolean; reason: string | null; at: Date }
  | { type: 'state'; service: string; state: WatchedServiceState; pid: number | null; at: Date }
  | { type: 'disconnected'; reason: string };

/**
 * The one interface both runtimes implement. Detection is push (`subscribe`), with `list()` for the reconcile
 * pass; the actions are what the escalation ladder and the operator buttons need.
 */
export interface Runtime {
  readonly kind: SelfHealingRuntime;
  /** Starts watching (connects, reconnects on its own until `close`). */
  watch(listener: (event: RuntimeEvent) => void): void;
  connected(): boolean;
  list(): Promise<RuntimeService[]>;
  restart(service: string): Promise<void>;
  stop(service: string): Promise<void>;
  start(service: string): Promise<void>;
  /** Resident memory of the service (for the RAM guard), `null` when unknown or not running. */
  memoryBytes(service: string): Promise<number | null>;
  /**
   * Docker mode's part of the disk cleanup: dangling images and the build cache. Absent in native mode
   * (nothing of the kind there).
   */
  reclaimDisk?(): Promise<{ images: number; buildCaches: number; bytes: number }>;
  /**
   * Docker mode: the last `lines` lines the service's container wrote (stdout and stderr, unmasked). Absent in
   * native mode, where each service's log is a file in var/log the agent reads itself.
   */
  logTail?(service: string, lines: number): Promise<string[]>;
  /**
   * Docker mode with the host's recreate unit: the container recreated from its compose definition (see
   * DockerRuntime). Absent otherwise, and then the ladder has no recreate rung.
   */
  readonly recreate?: (service: string, reason: string) => Promise<void>;
  /** Holds the service out of the runtime's own automatic restarts. */
  quarantine(service: string, reason: string): Promise<void>;
  release(service: string): Promise<void>;
  close(): Promise<void>;
}
