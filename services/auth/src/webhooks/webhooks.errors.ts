import { AppError, ConflictError, UnavailableError } from '@arasul/service-kit';

export class InvalidSignatureError extends AppError {
  constructor() {
    super('invalid_signature', 'The webhook signature is missing or wrong.', 401);
  }
}

export class StaleSignatureError extends AppError {
  constructor() {
    super('stale_signature', 'The webhook timestamp is too far from now.', 401);
  }
}

export class ReplayedWebhookError extends ConflictError {
  constructor() {
    super('This webhook delivery was already received.', 'replayed');
  }
}

export class WebhooksNotConfiguredError extends UnavailableError {
  constructor() {
    super('Webhooks are not configured on this appliance (N8N_WEBHOOK_SECRET).', 'webhooks_not_configured');
  }
}

/** Without Redis a replay cannot be recognised, so the delivery is refused; n8n retries it later. */
export class ReplayGuardUnavailableError extends UnavailableError {
  constructor() {
    super('Webhooks cannot be accepted right now; retry shortly.', 'replay_guard_unavailable', {
      headers: { 'Retry-After': '5' },
    });
  }
}
