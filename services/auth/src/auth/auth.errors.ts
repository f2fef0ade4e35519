import { AppError, ConflictError, LockedError, UnavailableError } from '@arasul/service-kit';

/** One answer for an unknown user, a wrong password and a deactivated account. */
export class InvalidCredentialsError extends AppError {
  constructor() {
    super('invalid_credentials', 'Invalid username or password.', 401);
  }
}

/** IP tier: too many wrong passwords for this account from this address. */
export class LoginLockedError extends LockedError {
  constructor(retryAfterSeconds: number) {
    super('Too many failed sign-ins from this address. Try again later.', retryAfterSeconds, 'login_locked');
  }
}

/** Account tier: too many wrong passwords for this account from anywhere. */
export class AccountLockedError extends LockedError {
  constructor(retryAfterSeconds: number) {
    super(
      'This account is locked after too many failed sign-ins. Try again later.',
      retryAfterSeconds,
      'account_locked',
    );
  }
}

export class SetupDoneError extends ConflictError {
  constructor() {
    super('The platform is already set up; sign in instead.', 'setup_done');
  }
}

/** Every argon2 slot is busy and the queue is full: refuse at once rather than let latency pile up. */
export class AuthBusyError extends UnavailableError {
  constructor() {
    super('Too many sign-ins at once. Try again in a moment.', 'auth_busy', {
      headers: { 'Retry-After': '1' },
    });
  }
}
