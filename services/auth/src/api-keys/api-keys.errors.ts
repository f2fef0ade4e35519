import { AppError, ConflictError, NotFoundError } from '@arasul/service-kit';

export class ApiKeyNotFoundError extends NotFoundError {
  constructor() {
    super('No such API key.', 'api_key_not_found');
  }
}

/** Unknown, revoked, expired, past its rotation grace, or its creator is inactive: one answer for all. */
export class InvalidApiKeyError extends AppError {
  constructor() {
    super('invalid_api_key', 'The API key is not valid.', 401);
  }
}

export class ApiKeyNotRotatableError extends ConflictError {
  constructor() {
    super('Only an active key that was not rotated already can be rotated.', 'api_key_not_rotatable');
  }
}
