import { usersRepository } from './users.repository';

/**
 * What the other auth features may do with user rows, and nothing more of the users repository: first-run
 * setup and sign-in (auth) read and create accounts, the lockout counts failures and sets the lock.
 */
export const userAccounts: Pick<
  typeof usersRepository,
  | 'anyExists'
  | 'lockSetup'
  | 'insert'
  | 'recordLoginSuccess'
  | 'findByUsername'
  | 'findById'
  | 'setPasswordHash'
  | 'incrementFailedLogins'
  | 'setLockedUntil'
> = usersRepository;

export type { UserRow } from './users.repository';
