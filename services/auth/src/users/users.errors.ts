import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@arasul/service-kit';

export class UserNotFoundError extends NotFoundError {
  constructor() {
    super('No such user.', 'user_not_found');
  }
}

export class UsernameTakenError extends ConflictError {
  constructor() {
    super('This username is already taken.', 'username_taken');
  }
}

/** The platform must always keep one active administrator, or nobody could manage it any more. */
export class LastAdminError extends ConflictError {
  constructor() {
    super('This is the last active administrator; make another user an administrator first.', 'last_admin');
  }
}

export class PasswordPolicyError extends ValidationError {
  constructor(
    code: 'password_too_short' | 'password_too_long' | 'password_equals_username' | 'password_reused',
    message: string,
  ) {
    super(message, undefined, code);
  }
}

export class InvalidCurrentPasswordError extends ForbiddenError {
  constructor() {
    super('The current password is not correct.', 'invalid_current_password');
  }
}

export class NotAUserSessionError extends AppError {
  constructor() {
    super('This needs a signed-in user, not an API key.', 'user_session_required', 403);
  }
}
