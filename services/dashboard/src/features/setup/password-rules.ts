import type { MessageKey } from '../../i18n/de';

/** The auth service's rules (services/auth password-policy.ts and users.schemas.ts), checked while typing. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 1024;
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,49}$/;

export interface Rule {
  key: MessageKey;
  ok: boolean;
}

export function passwordRules(password: string, username: string, confirmation?: string): Rule[] {
  const rules: Rule[] = [
    { key: 'password.rule.length', ok: Array.from(password).length >= PASSWORD_MIN_LENGTH },
    {
      key: 'password.rule.notUsername',
      ok: password.length > 0 && password.toLowerCase() !== username.trim().toLowerCase(),
    },
  ];
  if (password.length > PASSWORD_MAX_LENGTH) rules.push({ key: 'password.rule.maxLength', ok: false });
  if (confirmation !== undefined) {
    rules.push({ key: 'password.rule.match', ok: password.length > 0 && password === confirmation });
  }
  return rules;
}

export function usernameValid(username: string): boolean {
  return USERNAME_PATTERN.test(username.trim());
}
