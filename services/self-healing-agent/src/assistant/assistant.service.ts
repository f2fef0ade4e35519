import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { DiagnosisAnswer, DiagnosisStreamEvent } from '@arasul/contracts/http/self-healing';
import type { Database } from '@arasul/db';
import type { Identity } from '@arasul/service-kit/auth';
import type { Healer } from '../healing/healer';
import type { LlmQueueClient } from './llm-queue.client';
import { maskSecrets } from './mask';

const LOG_TAIL_BYTES = 16 * 1024;
const LOG_LINES = 20;
const MAX_LOG_SERVICES = 4;

const SYSTEM = {
  de: 'Du bist der Diagnose-Assistent einer Arasul-Box (Edge-KI-Gerät im Büro). Antworte auf Deutsch, knapp und konkret, nur auf Grundlage des mitgelieferten Zustands. Sag, was du nicht weißt.',
  en: 'You are the diagnosis assistant of an Arasul box (an edge AI appliance in an office). Answer in English, briefly and concretely, based only on the state provided. Say what you do not know.',
} as const;

/**
 * "Why is the box unhappy?": assembles the current state (services, recent incidents and actions, the last
 * log lines of the services involved, secrets masked), asks the local model through llm-queue, and keeps
 * question, answer and the context used per user (`claude_terminal_sessions`). Without a model it says so
 * and still returns the assembled state.
 */
export class AssistantService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly healer: Healer,
    private readonly llm: LlmQueueClient,
    private readonly logDir: string | null,
  ) {}

  /**
   * `onEvent` (a streamed answer) gets the assembled state first, then the answer's tokens as they come;
   * the stored record is returned (and is the stream's `done`). `signal`: the asker left.
   */
  async ask(
    question: string,
    language: 'de' | 'en',
    identity: Identity,
    onEvent: (event: DiagnosisStreamEvent) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<DiagnosisAnswer> {
    const context = await this.context();
    onEvent({ type: 'context', context });
    const answer = await this.llm.complete(
      [
        { role: 'system', content: SYSTEM[language] },
        {
          role: 'user',
          content: `${question}\n\n--- state of the box (JSON) ---\n${JSON.stringify(context)}`,
        },
      ],
      (text) => onEvent({ type: 'token', text }),
      signal,
    );
    const stored = { ...context, llmAvailable: answer !== null, model: answer?.model ?? null, language };
    const row = await this.db
      .insertInto('claude_terminal_sessions')
      .values({
        user_id: identity.userId,
        query: question,
        response: answer?.content ?? null,
        context: JSON.stringify(stored),
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      question,
      answer: answer?.content ?? null,
      llmAvailable: answer !== null,
      context: stored,
      createdAt: row.created_at.toISOString(),
    };
  }

  private async context(): Promise<Record<string, unknown>> {
    const services = this.healer.services().map((t) => ({
      name: t.svc.name,
      state: t.svc.state,
      health: this.healer.healthOf(t),
      reason: t.svc.ready === true ? null : t.svc.notReadyReason,
      quarantined: Boolean(this.healer.stateOf(t.svc.name)?.quarantined_at),
    }));
    const incidents = await this.db
      .selectFrom('self_healing_events')
      .select([
        'timestamp',
        'event_type',
        'severity',
        'service_name',
        'description',
        'action_taken',
        'outcome',
      ])
      .where('timestamp', '>', new Date(Date.now() - 24 * 3_600_000))
      .orderBy('id', 'desc')
      .limit(20)
      .execute();
    const involved = [
      ...new Set([
        ...services.filter((s) => s.health === 'unhealthy' || s.quarantined).map((s) => s.name),
        ...incidents
          .map((i) => i.service_name)
          .filter((n): n is string => n !== null && this.healer.find(n) !== undefined),
      ]),
    ].slice(0, MAX_LOG_SERVICES);
    const logs: Record<string, string[]> = {};
    for (const name of involved) logs[name] = await this.tail(name);
    return {
      runtime: this.healer.runtime.kind,
      services,
      incidents: incidents.map((i) => ({
        ...i,
        description: maskSecrets(i.description),
        timestamp: i.timestamp.toISOString(),
      })),
      logs,
    };
  }

  /** The last lines of a service's log, secrets masked (a log line may carry a token or a password). */
  private async tail(service: string): Promise<string[]> {
    const lines = await this.rawTail(service).catch(() => []);
    return lines.map((l) => maskSecrets(l).slice(0, 500));
  }

  /** From the Docker engine in Docker mode, from var/log/<service>.log in native mode. */
  private async rawTail(service: string): Promise<string[]> {
    const runtime = this.healer.runtime;
    if (runtime.logTail) return runtime.logTail(service, LOG_LINES);
    if (this.logDir === null || !/^[a-z0-9][a-z0-9-]*$/.test(service)) return [];
    const file = await open(join(this.logDir, `${service}.log`), 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, LOG_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-LOG_LINES);
    } finally {
      await file.close();
    }
  }
}
