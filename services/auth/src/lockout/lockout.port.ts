import { lockoutRepository } from './lockout.repository';

/** What first-run setup may do with the login attempt log: record the administrator's first sign-in. */
export const loginAttempts: Pick<typeof lockoutRepository, 'insertAttempt'> = lockoutRepository;
