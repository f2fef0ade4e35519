import {
  AppError,
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '@arasul/service-kit/errors';

export class EncryptionKeyMissingError extends AppError {
  constructor() {
    super(
      'telegram_encryption_key_missing',
      'TELEGRAM_ENCRYPTION_KEY is not set, so no bot token or webhook secret can be stored',
      409,
    );
  }
}

export class TelegramTokenInvalidError extends ValidationError {
  constructor() {
    super('Telegram does not accept this bot token', undefined, 'telegram_token_invalid');
  }
}

export class TelegramUnreachableError extends UnavailableError {
  constructor(cause: unknown) {
    super('Telegram cannot be reached right now', 'telegram_unreachable', { cause });
  }
}

export class TelegramNotConfiguredError extends ConflictError {
  constructor() {
    super('No Telegram bot is configured yet', undefined, 'telegram_not_configured');
  }
}

export class SetupNotFoundError extends NotFoundError {
  constructor() {
    super('No such setup session', 'telegram_setup_not_found');
  }
}

export class RuleNotFoundError extends NotFoundError {
  constructor() {
    super('No such notification rule', 'notification_rule_not_found');
  }
}

export class WebhookNotFoundError extends NotFoundError {
  constructor() {
    super('No such webhook', 'notification_webhook_not_found');
  }
}

export class OutboxEntryNotFoundError extends NotFoundError {
  constructor() {
    super('No such notification', 'notification_not_found');
  }
}

export class NoDestinationError extends ConflictError {
  constructor() {
    super('There is no chat or webhook to send to', undefined, 'notification_no_destination');
  }
}

export class WebhookSecretInvalidError extends UnauthorizedError {
  constructor() {
    super('The Telegram webhook secret token is missing or wrong', 'telegram_webhook_secret_invalid');
  }
}
