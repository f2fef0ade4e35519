import { createI18n } from '../i18n/i18n';
import { ApiError, describeError, parseRetryAfter } from './errors';

const de = createI18n('de');
const en = createI18n('en');
const tr = (i18n: typeof de) => ({ has: i18n.has, t: i18n.tx, duration: i18n.duration });

const errorResponse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

describe('ApiError.fromResponse', () => {
  it('reads code, message and Retry-After of the platform error shape', async () => {
    const error = await ApiError.fromResponse(
      errorResponse(423, 'login_locked', 'Too many failed sign-ins.', { 'Retry-After': '899' }),
    );
    expect(error).toMatchObject({
      status: 423,
      code: 'login_locked',
      message: 'Too many failed sign-ins.',
      retryAfterSeconds: 899,
    });
  });

  it('falls back to http_<status> for an answer without the error shape', async () => {
    const error = await ApiError.fromResponse(
      new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(error).toMatchObject({ status: 502, code: 'http_502', message: 'Bad Gateway' });
  });

  it('takes the wait from details when the header is missing', async () => {
    const response = new Response(
      JSON.stringify({
        error: { code: 'account_locked', message: 'locked', details: { retryAfterSeconds: 120 } },
      }),
      { status: 423 },
    );
    expect((await ApiError.fromResponse(response)).retryAfterSeconds).toBe(120);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(new Date(1_000_000 + 90_000).toUTCString(), 1_000_000)).toBe(90);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('describeError', () => {
  it('says what went wrong at login in plain German, with the time until retry', () => {
    expect(
      describeError(new ApiError({ status: 401, code: 'invalid_credentials', message: 'x' }), tr(de)),
    ).toBe('Benutzername oder Passwort ist falsch.');
    expect(
      describeError(
        new ApiError({ status: 423, code: 'login_locked', message: 'x', retryAfterSeconds: 840 }),
        tr(de),
      ),
    ).toBe('Zu viele Fehlversuche von diesem Gerät. Sie können es in 14 Minuten erneut versuchen.');
    expect(
      describeError(
        new ApiError({ status: 429, code: 'rate_limited', message: 'x', retryAfterSeconds: 42 }),
        tr(de),
      ),
    ).toBe('Zu viele Anfragen in kurzer Zeit. Bitte warten Sie 42 Sekunden.');
  });

  it('speaks English when English is chosen', () => {
    expect(
      describeError(
        new ApiError({ status: 423, code: 'account_locked', message: 'x', retryAfterSeconds: 1 }),
        tr(en),
      ),
    ).toBe('This account is locked for now after too many failed attempts. Try again in 1 second.');
  });

  it('falls back by status class for codes it does not know, never showing raw JSON', () => {
    expect(describeError(new ApiError({ status: 500, code: 'weird_thing', message: 'stack…' }), tr(en))).toBe(
      'The server ran into an error (code weird_thing). Please try again later.',
    );
    expect(
      describeError(new ApiError({ status: 400, code: 'bad_field', message: 'name is too long' }), tr(en)),
    ).toBe('The input was not accepted: name is too long');
    expect(describeError(new ApiError({ status: 0, code: 'something', message: 'x' }), tr(de))).toBe(
      'Keine Verbindung zu Arasul. Bitte prüfen Sie das Netzwerk.',
    );
    expect(describeError(new Error('boom'), tr(de))).toBe(
      'Etwas Unerwartetes ist passiert. Bitte laden Sie die Seite neu.',
    );
  });

  it('explains an unreachable LLM backend in plain words', () => {
    expect(
      describeError(
        new ApiError({
          status: 503,
          code: 'backend_unavailable',
          message: 'Ollama is not reachable: ECONNREFUSED',
        }),
        tr(en),
      ),
    ).toBe('The language model (Ollama) cannot be reached. Please check that it is running and try again.');
  });
});
