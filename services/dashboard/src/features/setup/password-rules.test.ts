import { passwordRules, usernameValid } from './password-rules';

const state = (password: string, username: string, confirmation?: string) =>
  Object.fromEntries(passwordRules(password, username, confirmation).map((r) => [r.key, r.ok]));

describe('password rules (as the auth service enforces them)', () => {
  it('needs 10 characters, counted as characters not bytes', () => {
    expect(state('123456789', 'anna')['password.rule.length']).toBe(false);
    expect(state('ääääääääää', 'anna')['password.rule.length']).toBe(true);
  });

  it('refuses the username in any letter case and checks the repetition', () => {
    expect(state('AnnaSchmidt', 'annaschmidt')['password.rule.notUsername']).toBe(false);
    expect(state('a long passphrase', 'anna', 'a long passphrase')).toEqual({
      'password.rule.length': true,
      'password.rule.notUsername': true,
      'password.rule.match': true,
    });
    expect(state('a long passphrase', 'anna', 'a long passphras')['password.rule.match']).toBe(false);
  });

  it('accepts the usernames auth accepts', () => {
    expect(['admin', 'anna.schmidt', 'a_b-c'].map(usernameValid)).toEqual([true, true, true]);
    expect(['ab', '-anna', 'anna schmidt', 'x'.repeat(51)].map(usernameValid)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
