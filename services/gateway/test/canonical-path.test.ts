import { canonicalPath, InvalidPathError } from '../src/routing/canonical-path';
import { routeKey } from '../src/auth/anonymous-routes';

describe('canonicalPath', () => {
  it('keeps ordinary paths and decodes only encodings that mean nothing (unreserved characters)', () => {
    expect(canonicalPath('/api/chats/7')).toBe('/api/chats/7');
    expect(canonicalPath('/api/chats/')).toBe('/api/chats/');
    expect(canonicalPath('/%61pi/chats')).toBe('/api/chats');
    expect(canonicalPath('/api/tables/a%20b%c3%a4')).toBe('/api/tables/a%20b%C3%A4');
    expect(canonicalPath('/')).toBe('/');
  });

  it.each([
    '/v1/../api/chats',
    '/v1/%2e%2e/api/llm/queue',
    '/v1/%2E%2e/ollama/api/tags',
    '/v1/.%2e/api/models/installed',
    '/v1/./models',
    '/v1/..',
    '/api/chats%2f..%2fllm',
    '/api/chats%2F7',
    '/api/chats%5c7',
    '/api\\chats',
    '/api//chats',
    '/api/chats/%00',
    '/api/chats/%zz',
    '/api/chats/%',
    '/api/\u0001',
  ])('refuses %s with invalid_path', (path) => {
    let error: unknown;
    try {
      canonicalPath(path);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidPathError);
    expect((error as InvalidPathError).code).toBe('invalid_path');
    expect((error as InvalidPathError).httpStatus).toBe(400);
  });
});

describe('routeKey', () => {
  it('matches the anonymous and login routes case-insensitively, like the services’ routers', () => {
    expect(routeKey('POST', '/api/auth/Login')).toBe('POST /api/auth/login');
    expect(routeKey('POST', '/API/AUTH/LOGIN/')).toBe('POST /api/auth/login');
    expect(routeKey('HEAD', '/api/health')).toBe('GET /api/health');
  });
});
