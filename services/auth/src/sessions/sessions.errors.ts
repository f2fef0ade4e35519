import { AppError, NotFoundError } from '@arasul/service-kit';

export class InvalidRefreshTokenError extends AppError {
  constructor() {
    super('invalid_refresh_token', 'The session is not valid. Please sign in again.', 401);
  }
}

/** A refresh token was presented a second time: someone copied it. The whole session was revoked. */
export class RefreshTokenReusedError extends AppError {
  constructor() {
    super(
      'refresh_reused',
      'This sign-in was used from somewhere else and has been ended. Please sign in again.',
      401,
    );
  }
}

export class SessionExpiredError extends AppError {
  constructor() {
    super('session_expired', 'The session has expired. Please sign in again.', 401);
  }
}

export class SessionRevokedError extends AppError {
  constructor() {
    super('session_revoked', 'This session has been ended. Please sign in again.', 401);
  }
}

export class SessionNotFoundError extends NotFoundError {
  constructor() {
    super('No such session.', 'session_not_found');
  }
}
