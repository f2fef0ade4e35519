import type { Kysely } from 'kysely';
import type { SelfHealingAction, SelfHealingTrigger } from '@arasul/contracts/events/selfhealing';
import type { ServiceHealth, ServiceStatus } from '@arasul/contracts/events/system';
import type { WatchedServiceState } from '@arasul/contracts/http/self-healing';
import type { Database, SelfHealingServiceState, SelfHealingServiceStateUpdate } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { Runtime, RuntimeEvent, RuntimeService } from '../runtime/runtime';
import type { SettingsService } from '../settings/settings.service';
import type { HealingRecorder } from './healing.recorder';
import { countActionsSince, loadStates, saveState } from './healing.repository';
import { CRITICAL_ATTEMPT, backoffDelaySeconds, budgetAllows, ladderStep } from './policy';

/** What the agent knows about one service right now (the persisted part lives in `states`). */
export interface TrackedService {
  svc: RuntimeService;
  /** Since when it runs without being ready (ms), `null` while ready or not running. */
  unreadySince: number | null;
  readySince: number | null;
  /** When the current process/container started (ms), for the uptime the status view shows. */
  startedAt: number | null;
  /** An action or a decision is in progress: the tick does not start another. */
  busy: boolean;
  /** A problem was detected and not yet recovered (for the `recovered` record). */
  problemSince: number | null;
  waitingNoted: boolean;
  reported: { status: ServiceStatus; health: ServiceHealth } | null;
}

const STATUS_OF: Record<WatchedServiceState, ServiceStatus> = {
  running: 'running',
  starting: 'starting',
  stopping: 'running',
  stopped: 'stopped',
  backoff: 'restarting',
  exited: 'exited',
  restarting: 'restarting',
  paused: 'paused',
  dead: 'dead',
  unknown: 'unknown',
};

/**
 * The coordinator: turns runtime events into detections, decides with the policy (back-off, budget,
 * quarantine, exclusions, the escalation ladder), acts through the runtime and records everything.
 * Work per service is serialised; services never wait for each other.
 */
export class Healer {
  private readonly tracked = new Map<string, TrackedService>();
  private readonly states = new Map<string, SelfHealingServiceState>();
  private readonly chains = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private lastTickAt: number | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    readonly runtime: Runtime,
    private readonly settings: SettingsService,
    private readonly recorder: HealingRecorder,
    private readonly logger: Logger,
    private readonly options: { tickMs: number; self: string; now?: () => number },
  ) {}

  async start(): Promise<void> {
    for (const state of await loadStates(this.db)) this.states.set(state.service_name, state);
    this.runtime.watch((event) => this.onEvent(event));
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.runtime.close();
    await Promise.all(this.chains.values());
  }

  lastTick(): number | null {
    return this.lastTickAt;
  }

  services(): TrackedService[] {
    return [...this.tracked.values()];
  }

  find(name: string): TrackedService | undefined {
    return this.tracked.get(name);
  }

  stateOf(name: string): SelfHealingServiceState | undefined {
    return this.states.get(name);
  }

  async persist(
    name: string,
    patch: Omit<SelfHealingServiceStateUpdate, 'service_name' | 'updated_at'>,
  ): Promise<void> {
    this.states.set(name, await saveState(this.db, name, patch));
  }

  /** Runs `work` after whatever is queued for `service`; the caller sees its failure (operator actions). */
  serialize(service: string, work: () => Promise<void>): Promise<void> {
    const run = (this.chains.get(service) ?? Promise.resolve()).then(work);
    this.chains.set(
      service,
      run.catch((error: unknown) => {
        this.logger.error('self-healing work failed', { service, ...errorMeta(error) });
      }),
    );
    return run;
  }

  /** Like `serialize` for background work: a failure is logged, never thrown. */
  private enqueue(service: string, work: () => Promise<void>): Promise<void> {
    return this.serialize(service, work).catch(() => undefined);
  }

  healthOf(t: TrackedService): ServiceHealth {
    if (t.svc.ready === true) return 'healthy';
    if (t.svc.ready === null) return 'none';
    if (t.svc.state === 'backoff' || t.svc.state === 'restarting') return 'unhealthy';
    if (t.svc.state !== 'running' && t.svc.state !== 'starting') return 'none';
    const unreadyMs = this.settings.current().unreadySeconds * 1000;
    return t.unreadySince !== null && this.now() - t.unreadySince < unreadyMs ? 'starting' : 'unhealthy';
  }

  isLeftAlone(name: string): boolean {
    return name === this.options.self || this.settings.isExcluded(name);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private onEvent(event: RuntimeEvent): void {
    switch (event.type) {
      case 'snapshot':
        this.applySnapshot(event.services);
        return;
      case 'disconnected':
        return;
      case 'state': {
        const t = this.tracked.get(event.service);
        if (!t) return;
        if (t.svc.state === 'backoff' && event.state === 'starting') t.svc.restarts += 1;
        if (event.state === 'running' && t.svc.state !== 'running') t.startedAt = event.at.getTime();
        if (event.state !== 'running' && event.state !== 'stopping') t.startedAt = null;
        t.svc.state = event.state;
        t.svc.pid = event.pid;
        if (event.state !== 'running' && event.state !== 'starting') t.unreadySince = null;
        else if (t.svc.ready !== true) t.unreadySince ??= this.now();
        this.report(t);
        return;
      }
      case 'readiness': {
        const t = this.tracked.get(event.service);
        if (!t) return;
        t.svc.ready = event.ready;
        t.svc.notReadyReason = event.reason;
        if (event.ready) this.onReady(t);
        else {
          t.readySince = null;
          if (t.svc.state === 'running' || t.svc.state === 'starting') t.unreadySince ??= this.now();
        }
        this.report(t);
        return;
      }
      case 'exited': {
        const t = this.tracked.get(event.service);
        if (!t) return;
        t.svc.ready = false;
        t.readySince = null;
        t.unreadySince = null;
        if (event.willRestart) {
          t.busy = true;
          void this.enqueue(t.svc.name, () => this.onCrash(t, event)).finally(() => (t.busy = false));
        }
        return;
      }
    }
  }

  private applySnapshot(services: RuntimeService[]): void {
    const seen = new Set<string>();
    for (const svc of services) {
      seen.add(svc.name);
      const existing = this.tracked.get(svc.name);
      const t: TrackedService = existing ?? {
        svc,
        unreadySince: null,
        readySince: null,
        startedAt: null,
        busy: false,
        problemSince: null,
        waitingNoted: false,
        reported: null,
      };
      t.svc = svc;
      t.startedAt = svc.uptimeSeconds === null ? null : this.now() - svc.uptimeSeconds * 1000;
      if (svc.ready === true) t.readySince ??= this.now();
      else if (svc.state === 'running' || svc.state === 'starting') t.unreadySince ??= this.now();
      this.tracked.set(svc.name, t);
      // Quarantine survives a restart of the agent or of the supervisor: the database is the truth.
      if (this.states.get(svc.name)?.quarantined_at && !svc.quarantined) {
        void this.enqueue(svc.name, () => this.reapplyQuarantine(t));
      }
      this.report(t);
    }
    for (const name of [...this.tracked.keys()]) if (!seen.has(name)) this.tracked.delete(name);
  }

  private async reapplyQuarantine(t: TrackedService): Promise<void> {
    const reason = this.states.get(t.svc.name)?.quarantine_reason ?? 'quarantined';
    await this.runtime.quarantine(t.svc.name, reason);
    t.svc.quarantined = true;
  }

  private onReady(t: TrackedService): void {
    t.unreadySince = null;
    t.waitingNoted = false;
    t.readySince = this.now();
    const problemSince = t.problemSince;
    t.problemSince = null;
    const name = t.svc.name;
    void this.enqueue(name, async () => {
      await this.persist(name, { healthy_since: new Date(this.now()) });
      if (problemSince !== null) {
        const seconds = Math.round((this.now() - problemSince) / 100) / 10;
        await this.recorder.note(
          'recovered',
          'INFO',
          name,
          `${name} is ready again after ${seconds} s`,
          null,
          {
            recoverySeconds: seconds,
          },
        );
      }
    });
  }

  private report(t: TrackedService): void {
    const status = STATUS_OF[t.svc.state];
    const health = this.healthOf(t);
    if (t.reported?.status === status && t.reported.health === health) return;
    t.reported = { status, health };
    void this.enqueue(t.svc.name, () =>
      this.recorder.status(t.svc.name, status, health, t.svc.notReadyReason, t.svc.quarantined),
    );
  }

  private tick(): void {
    const now = this.now();
    this.lastTickAt = now;
    const settings = this.settings.current();
    for (const t of this.tracked.values()) {
      this.report(t);
      if (t.busy) continue;
      const state = this.states.get(t.svc.name);
      if (
        state &&
        state.backoff_attempt > 0 &&
        t.readySince !== null &&
        now - t.readySince >= settings.backoffResetMinutes * 60_000
      ) {
        t.busy = true;
        void this.enqueue(t.svc.name, () =>
          this.persist(t.svc.name, { backoff_attempt: 0, backoff_until: null }),
        ).finally(() => (t.busy = false));
        continue;
      }
      if (
        t.svc.state === 'running' &&
        t.svc.ready === false &&
        t.unreadySince !== null &&
        now - t.unreadySince >= settings.unreadySeconds * 1000
      ) {
        t.busy = true;
        void this.enqueue(t.svc.name, () => this.onHung(t)).finally(() => (t.busy = false));
      }
    }
  }

  private async onCrash(t: TrackedService, event: Extract<RuntimeEvent, { type: 'exited' }>): Promise<void> {
    const name = t.svc.name;
    const trigger: SelfHealingTrigger = event.oom === true ? 'oom' : 'crashed';
    t.problemSince ??= event.at.getTime();
    const how = event.signal === null ? `code ${String(event.code)}` : `signal ${event.signal}`;
    await this.recorder.note('detected', 'WARNING', name, `${name} exited (${how})`, trigger, {
      detectedInMs: this.now() - event.at.getTime(),
    });
    if (this.isLeftAlone(name) || this.states.get(name)?.quarantined_at) return;
    const settings = this.settings.current();
    const since = new Date(this.now() - settings.budgetWindowMinutes * 60_000);
    const count = await countActionsSince(this.db, name, since);
    if (!budgetAllows(count, settings.budgetActions)) {
      await this.quarantine(t, trigger, count, 'restart_service');
      return;
    }
    // The runtime restarts a crashed service by itself; the agent records it as a healing action of the budget.
    await this.recorder.action({
      service: name,
      action: 'restart_service',
      trigger,
      reason: `${name} exited (${how}); the ${this.runtime.kind === 'native' ? 'supervisor' : 'Docker engine'} restarts it`,
      attempt: count + 1,
      outcome: 'succeeded',
      actor: 'agent',
      metadata: { by: 'runtime' },
    });
  }

  private async onHung(t: TrackedService): Promise<void> {
    const name = t.svc.name;
    const settings = this.settings.current();
    const state = this.states.get(name);
    if (this.isLeftAlone(name) || state?.quarantined_at || state?.stopped_by_operator) return;
    if (state?.backoff_until && state.backoff_until.getTime() > this.now()) return;
    const unreadyFor = Math.round((this.now() - (t.unreadySince ?? this.now())) / 1000);
    const reason = `${name} has been running without being ready for ${unreadyFor} s (${t.svc.notReadyReason ?? 'no reason given'})`;
    await this.refreshDependencies(t);
    const { wait, dependency } = this.dependencyVerdict(t);
    if (wait) {
      if (!t.waitingNoted) {
        t.waitingNoted = true;
        const what = dependency ?? 'its dependency';
        await this.recorder.note(
          'waiting',
          'WARNING',
          name,
          `${reason}; waiting for ${what} first`,
          'dependency',
        );
      }
      return;
    }
    t.problemSince ??= t.unreadySince ?? this.now();
    await this.recorder.note('detected', 'WARNING', name, reason, 'hung', { unreadySeconds: unreadyFor });
    if (!settings.enabled) return;
    const count = await countActionsSince(
      this.db,
      name,
      new Date(this.now() - settings.budgetWindowMinutes * 60_000),
    );
    const attempt = (state?.backoff_attempt ?? 0) + 1;
    const step = ladderStep(attempt, dependency, this.runtime.recreate !== undefined);
    if (!budgetAllows(count, settings.budgetActions)) {
      await this.quarantine(t, 'hung', count, step);
      return;
    }
    const outcome = await this.execute(step, name, dependency, reason);
    await this.recorder.action({
      service: name,
      action: step,
      trigger: step === 'restart_dependency' ? 'dependency' : 'hung',
      reason: step === 'restart_dependency' ? `${reason}; restarting ${dependency ?? ''} first` : reason,
      attempt,
      outcome,
      actor: 'agent',
      ...(dependency === null ? {} : { metadata: { dependency } }),
    });
    const delay = backoffDelaySeconds(attempt, settings.backoffBaseSeconds, settings.backoffMaxSeconds);
    await this.persist(name, {
      backoff_attempt: attempt,
      backoff_until: new Date(this.now() + delay * 1000),
      healthy_since: null,
    });
    t.unreadySince = this.now();
    if (attempt === CRITICAL_ATTEMPT) {
      await this.recorder.escalate({
        service: name,
        reason: `${name} is still not healthy after ${attempt} healing actions`,
        severity: 'critical',
        attempts: attempt,
        lastAction: step,
        cause: 'ladder_exhausted',
        quarantined: false,
        trigger: 'hung',
      });
    }
  }

  /** Readiness events carry no details: ask the runtime which dependencies the service names as down now. */
  private async refreshDependencies(t: TrackedService): Promise<void> {
    try {
      const fresh = (await this.runtime.list()).find((s) => s.name === t.svc.name);
      if (fresh) t.svc.dependencies = fresh.dependencies;
    } catch (error) {
      this.logger.warn('could not refresh the service list', errorMeta(error));
    }
  }

  /**
   * The dependencies this service's readiness names as down: `wait` while one of them is itself not ready
   * (its own healing comes first) or is not a watched service (Postgres in native mode), else the watched
   * dependency that claims to be fine (restarted first on the third rung), else `null`.
   */
  private dependencyVerdict(t: TrackedService): { wait: boolean; dependency: string | null } {
    const down = t.svc.dependencies.filter((d) => d !== t.svc.name);
    if (down.length === 0) return { wait: false, dependency: null };
    for (const d of down) {
      const dep = this.tracked.get(d);
      if (dep?.svc.ready !== true) return { wait: true, dependency: d };
    }
    return { wait: false, dependency: down.find((d) => !this.isLeftAlone(d)) ?? null };
  }

  private async execute(
    step: SelfHealingAction,
    name: string,
    dependency: string | null,
    reason: string,
  ): Promise<'succeeded' | 'failed'> {
    try {
      if (step === 'recreate_service' && this.runtime.recreate) {
        await this.runtime.recreate(name, reason);
      } else if (step === 'stop_start_service') {
        await this.runtime.stop(name);
        await this.runtime.start(name);
      } else if (step === 'restart_dependency' && dependency !== null) {
        await this.runtime.restart(dependency);
        await this.runtime.restart(name);
      } else {
        await this.runtime.restart(name);
      }
      return 'succeeded';
    } catch (error) {
      this.logger.warn('healing action failed', { service: name, step, ...errorMeta(error) });
      return 'failed';
    }
  }

  private async quarantine(
    t: TrackedService,
    trigger: SelfHealingTrigger,
    count: number,
    lastAction: SelfHealingAction,
  ): Promise<void> {
    const name = t.svc.name;
    const settings = this.settings.current();
    const reason = `${name} needed ${count} healing actions within ${settings.budgetWindowMinutes} min (budget ${settings.budgetActions}): quarantined, no more automatic restarts until an operator releases it`;
    try {
      await this.runtime.quarantine(name, reason);
      t.svc.quarantined = true;
    } catch (error) {
      this.logger.error('could not quarantine a service in the runtime', {
        service: name,
        ...errorMeta(error),
      });
    }
    await this.persist(name, { quarantined_at: new Date(this.now()), quarantine_reason: reason });
    await this.recorder.escalate({
      service: name,
      reason,
      severity: 'critical',
      attempts: count,
      lastAction,
      cause: 'budget_exhausted',
      quarantined: true,
      trigger,
    });
    t.reported = null;
    this.report(t);
  }
}
