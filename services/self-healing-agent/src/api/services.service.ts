import type { Kysely } from 'kysely';
import type {
  SelfHealingEventsPage,
  SelfHealingEventsQuery,
  SelfHealingSettings,
  SelfHealingStatus,
  ServiceActionName,
  ServiceActionResult,
  WatchedService,
} from '@arasul/contracts/http/self-healing';
import { selfHealingAction } from '@arasul/contracts/events/selfhealing';
import type { Database } from '@arasul/db';
import type { Identity } from '@arasul/service-kit/auth';
import { ConflictError, NotFoundError } from '@arasul/service-kit/errors';
import type { Healer, TrackedService } from '../healing/healer';
import type { HealingRecorder } from '../healing/healing.recorder';
import { countActionsPerService, lastActionPerService, listEvents } from '../healing/healing.repository';
import type { SettingsService } from '../settings/settings.service';

const ACTION_OF = {
  restart: 'restart_service',
  stop: 'stop_service',
  start: 'start_service',
  release: 'release_service',
} as const;

/** The status view, the incident timeline, settings and the operator's buttons. */
export class ServicesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly healer: Healer,
    private readonly settings: SettingsService,
    private readonly recorder: HealingRecorder,
  ) {}

  async status(): Promise<SelfHealingStatus> {
    const settings = this.settings.current();
    const since = new Date(Date.now() - settings.budgetWindowMinutes * 60_000);
    const [counts, lastActions] = await Promise.all([
      countActionsPerService(this.db, since),
      lastActionPerService(this.db),
    ]);
    const last = new Map(lastActions.map((a) => [a.service_name ?? '', a]));
    const services = this.healer
      .services()
      .sort((a, b) => a.svc.name.localeCompare(b.svc.name))
      .map((t) => this.view(t, counts.get(t.svc.name) ?? 0, last.get(t.svc.name)));
    return {
      runtime: this.healer.runtime.kind,
      runtimeConnected: this.healer.runtime.connected(),
      enabled: settings.enabled,
      checkedAt: new Date().toISOString(),
      services,
    };
  }

  async events(query: SelfHealingEventsQuery): Promise<SelfHealingEventsPage> {
    const rows = await listEvents(this.db, query);
    const page = rows.slice(0, query.limit);
    return {
      events: page.map((r) => ({
        id: r.id,
        eventType: r.event_type,
        severity: r.severity,
        service: r.service_name,
        description: r.description,
        actionTaken: r.action_taken,
        trigger: parseTrigger(r.trigger),
        outcome: r.outcome,
        timestamp: r.timestamp.toISOString(),
      })),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  getSettings(): SelfHealingSettings {
    return this.settings.current();
  }

  async putSettings(settings: SelfHealingSettings, identity: Identity): Promise<SelfHealingSettings> {
    const saved = await this.settings.update(settings, identity.userId);
    await this.recorder.note(
      'operator_action',
      'INFO',
      null,
      `${identity.username} changed the self-healing settings`,
      'operator',
      {
        userId: identity.userId,
        settings: saved,
      },
    );
    return saved;
  }

  async act(name: string, action: ServiceActionName, identity: Identity): Promise<ServiceActionResult> {
    const tracked = this.healer.find(name);
    if (!tracked)
      throw new NotFoundError(`There is no watched service named "${name}".`, 'service_not_found');
    let result: ServiceActionResult | undefined;
    await this.healer.serialize(name, async () => {
      result = await this.perform(tracked, action, identity);
    });
    if (!result) throw new ConflictError(`The ${action} of ${name} did not complete.`, 'action_failed');
    return result;
  }

  private async perform(
    t: TrackedService,
    action: ServiceActionName,
    identity: Identity,
  ): Promise<ServiceActionResult> {
    const name = t.svc.name;
    const runtime = this.healer.runtime;
    const quarantined = Boolean(this.healer.stateOf(name)?.quarantined_at);
    if (action === 'release' && !quarantined) {
      throw new ConflictError(`${name} is not quarantined.`, 'not_quarantined');
    }
    if (action === 'restart') await runtime.restart(name);
    if (action === 'stop') await runtime.stop(name);
    if (action === 'start') await runtime.start(name);
    if (action === 'release') await runtime.release(name);
    // A person decided: stop marks the service as stopped on purpose; anything else hands it back to the agent.
    await this.healer.persist(name, {
      stopped_by_operator: action === 'stop',
      ...(action === 'release'
        ? { quarantined_at: null, quarantine_reason: null, backoff_attempt: 0, backoff_until: null }
        : {}),
    });
    if (action === 'release') t.svc.quarantined = false;
    await this.recorder.action({
      service: name,
      action: ACTION_OF[action],
      trigger: 'operator',
      reason: `${identity.username} pressed ${action} for ${name}`,
      attempt: 1,
      outcome: 'succeeded',
      actor: 'operator',
      severity: 'INFO',
      metadata: { userId: identity.userId, username: identity.username },
    });
    return { service: name, action, state: t.svc.state };
  }

  private view(
    t: TrackedService,
    actionsInWindow: number,
    last: Awaited<ReturnType<typeof lastActionPerService>>[number] | undefined,
  ): WatchedService {
    const state = this.healer.stateOf(t.svc.name);
    const now = Date.now();
    const backoffUntil = state?.backoff_until ?? null;
    const lastAction = selfHealingAction.safeParse(last?.action_taken);
    return {
      name: t.svc.name,
      state: t.svc.state,
      health: this.healer.healthOf(t),
      healthReason: t.svc.ready === true ? null : t.svc.notReadyReason,
      pid: t.svc.pid,
      uptimeSeconds: t.startedAt === null ? null : Math.max(0, Math.round((now - t.startedAt) / 1000)),
      runtimeRestarts: t.svc.restarts,
      actionsInWindow,
      backoff:
        state && state.backoff_attempt > 0 && backoffUntil
          ? {
              attempt: state.backoff_attempt,
              delaySeconds: Math.max(0, Math.ceil((backoffUntil.getTime() - now) / 1000)),
              until: backoffUntil.toISOString(),
            }
          : null,
      quarantine:
        state?.quarantined_at && state.quarantine_reason !== null
          ? { since: state.quarantined_at.toISOString(), reason: state.quarantine_reason }
          : null,
      excluded: this.healer.isLeftAlone(t.svc.name),
      stoppedByOperator: state?.stopped_by_operator ?? false,
      lastAction:
        last && lastAction.success
          ? {
              action: lastAction.data,
              at: last.timestamp.toISOString(),
              outcome: last.outcome ?? 'succeeded',
            }
          : null,
    };
  }
}

const TRIGGERS = [
  'crashed',
  'unhealthy',
  'hung',
  'oom',
  'dependency',
  'disk',
  'temperature',
  'memory',
  'gpu',
  'operator',
] as const;
function parseTrigger(value: string | null): (typeof TRIGGERS)[number] | null {
  return TRIGGERS.find((t) => t === value) ?? null;
}
