import { type SubmitEvent, useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { ApiClient } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useI18n } from '../../i18n/i18n';
import { Button, Field, Notice, PasswordInput, TextInput, useErrorText } from '../../ui/components';
import { useNow } from '../../ui/hooks';
import { AuthLayout } from './AuthLayout';

/** Codes after which trying again at once cannot work: the form waits out `Retry-After`. */
const WAIT_CODES = new Set(['login_locked', 'account_locked', 'rate_limited', 'auth_busy']);

export function LoginPage({ client }: { client: ApiClient }) {
  const i18n = useI18n();
  const { t } = i18n;
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // A lock holds for one username from this address (rate limits and a busy server for everyone).
  const [blocked, setBlocked] = useState<{ until: number; username: string | null } | null>(null);
  const now = useNow(blocked ? 1000 : 60_000);
  const passwordRef = useRef<HTMLInputElement>(null);
  const blockedUntil = blocked?.until ?? 0;
  const applies =
    blocked !== null && (blocked.username === null || blocked.username === username.trim().toLowerCase());
  const remaining = applies ? Math.max(0, Math.ceil((blockedUntil - now) / 1000)) : 0;

  // The moment the form can be used (the end-to-end test reads it for the "interactive ≤ 1 s" budget).
  useEffect(() => {
    performance.mark('arasul:login-interactive');
  }, []);

  useEffect(() => {
    if (blockedUntil > 0 && blockedUntil <= now) {
      setBlocked(null);
      setError(undefined);
    }
  }, [blockedUntil, now]);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy || remaining > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await client.login(username.trim(), password);
      const next = params.get('next');
      void navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (reason) {
      setError(reason);
      setPassword('');
      if (reason instanceof ApiError && WAIT_CODES.has(reason.code)) {
        const perUsername = reason.code === 'login_locked' || reason.code === 'account_locked';
        setBlocked({
          until: Date.now() + (reason.retryAfterSeconds ?? 60) * 1000,
          username: perUsername ? username.trim().toLowerCase() : null,
        });
      } else {
        passwordRef.current?.focus();
      }
      setBusy(false);
    }
  };

  // While locked, the message counts down with the time left instead of the time at the moment of failure.
  const message =
    error === undefined || (blocked !== null && !applies)
      ? undefined
      : error instanceof ApiError && remaining > 0
        ? errorText(
            new ApiError({
              status: error.status,
              code: error.code,
              message: error.message,
              details: error.details,
              requestId: error.requestId,
              retryAfterSeconds: remaining,
            }),
          )
        : errorText(error);

  return (
    <AuthLayout title={t('login.title')}>
      {params.get('expired') === '1' && error === undefined && (
        <Notice kind="info">{t('login.expired')}</Notice>
      )}
      <form onSubmit={(e) => void submit(e)} data-testid="login-form">
        <Field label={t('login.username')}>
          {(p) => (
            <TextInput
              {...p}
              name="username"
              autoComplete="username"
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label={t('login.password')}>
          {(p) => (
            <PasswordInput
              {...p}
              ref={passwordRef}
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        {message !== undefined && (
          <Notice kind="error" data-testid="login-error">
            {message}
          </Notice>
        )}
        <Button
          type="submit"
          variant="primary"
          className="btn-block"
          busy={busy}
          disabled={remaining > 0 || username.trim() === '' || password === ''}
        >
          {remaining > 0 ? t('login.waiting', { wait: i18n.duration(remaining) }) : t('login.submit')}
        </Button>
      </form>
    </AuthLayout>
  );
}
