import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { workflowActivitySchema } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { ValidationError, parseInput } from '@arasul/service-kit';
import type { EventPublisher } from '@arasul/service-kit';
import { checkWebhookSignature } from './webhook-signature';
import {
  InvalidSignatureError,
  ReplayGuardUnavailableError,
  ReplayedWebhookError,
  StaleSignatureError,
  WebhooksNotConfiguredError,
} from './webhooks.errors';
import { webhooksRepository } from './webhooks.repository';

export interface WebhookPolicy {
  secret: string | undefined;
  maxSkewSeconds: number;
  replayTtlSeconds: number;
}

const REDIS_TIMEOUT_MS = 1000;

/**
 * Signed n8n deliveries: HMAC over timestamp and raw body, a bounded clock skew, and each signature
 * accepted once (remembered in Redis for `replayTtlSeconds`, which outlives the skew window).
 */
export class WebhooksService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly redis: Redis,
    private readonly events: EventPublisher,
    private readonly policy: WebhookPolicy,
  ) {}

  async receiveN8n(
    rawBody: Buffer,
    headers: { timestamp?: string | undefined; signature?: string | undefined },
  ) {
    const { secret } = this.policy;
    if (!secret) throw new WebhooksNotConfiguredError();
    const check = checkWebhookSignature({
      secret,
      rawBody,
      timestamp: headers.timestamp,
      signature: headers.signature,
      nowSeconds: Math.floor(Date.now() / 1000),
      maxSkewSeconds: this.policy.maxSkewSeconds,
    });
    if (check === 'invalid') throw new InvalidSignatureError();
    if (check === 'stale') throw new StaleSignatureError();
    await this.acceptOnce(headers.signature ?? '');

    const activity = parseInput(workflowActivitySchema, parseJson(rawBody), 'webhook body');
    const id = await webhooksRepository.insertWorkflowActivity(this.db, {
      workflowName: activity.workflowName,
      status: activity.status,
      durationMs: activity.durationMs ?? null,
      error: activity.error ?? null,
    });
    this.events.emit('workflow.activity', activity);
    return { id };
  }

  /** SET NX: the first delivery of a signature wins, any later one within the TTL is a replay. */
  private async acceptOnce(signature: string): Promise<void> {
    if (this.redis.status !== 'ready') throw new ReplayGuardUnavailableError();
    const key = `webhook:n8n:sig:${signature.toLowerCase()}`;
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      this.redis.set(key, '1', 'EX', this.policy.replayTtlSeconds, 'NX'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ReplayGuardUnavailableError()), REDIS_TIMEOUT_MS);
      }),
    ])
      .catch(() => {
        throw new ReplayGuardUnavailableError();
      })
      .finally(() => clearTimeout(timer));
    if (answer !== 'OK') throw new ReplayedWebhookError();
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('The request body is not valid JSON.', undefined, 'invalid_json');
  }
}
