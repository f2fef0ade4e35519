import { maskSecrets } from '../src/assistant/mask';

describe('secret masking of log lines sent to the model', () => {
  it('masks passwords, tokens, URLs with credentials, JWTs and API keys, and leaves the rest', () => {
    const line =
      'connect postgres://arasul:s3cret@db:5432/x password=hunter2 "token": "abc123" Authorization: Bearer xyz.abc ' +
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3In0.c2lnbmF0dXJlLXZhbHVl key aras_0123456789abcdef service started';
    const masked = maskSecrets(line);
    for (const secret of [
      's3cret',
      'hunter2',
      'abc123',
      'xyz.abc',
      'eyJhbGciOiJIUzI1NiJ9',
      'aras_0123456789abcdef',
    ]) {
      expect(masked).not.toContain(secret);
    }
    expect(masked).toContain('postgres://arasul:***@db:5432/x');
    expect(masked).toContain('service started');
  });
});
