import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import type { SessionUser } from '@arasul/contracts';
import type { ApiClient } from '../api/client';
import type { Api } from '../api/endpoints';
import { LoginPage } from '../features/login/LoginPage';
import { SetupPage } from '../features/setup/SetupPage';
import { useI18n } from '../i18n/i18n';
import { Button, EmptyState, Spinner, useErrorText } from '../ui/components';
import { AppContext, hasRole } from './context';
import { PAGES } from './routes';
import { Shell } from './Shell';

type Phase =
  | { kind: 'starting' }
  | { kind: 'setup' }
  | { kind: 'ready' }
  | { kind: 'unreachable'; error: unknown };

/**
 * Decides what the visitor sees: the first-run setup while no user exists, the login page without a
 * session, the shell with its pages otherwise. A session that ends underneath (expired, revoked) sends
 * the visitor to the login page and back to the same page afterwards.
 */
export function App({ client, api }: { client: ApiClient; api: Api }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const location = useLocation();
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [user, setUser] = useState<SessionUser | null>(client.currentUser);
  const signingOut = useRef(false);
  const here = useRef('/');
  here.current = `${location.pathname}${location.search}`;

  useEffect(
    () =>
      client.onSessionChange((next) => {
        setUser(next);
        if (next === null && !signingOut.current && !here.current.startsWith('/login')) {
          void navigate(`/login?expired=1&next=${encodeURIComponent(here.current)}`, { replace: true });
        }
      }),
    [client, navigate],
  );

  const start = useCallback(async () => {
    setPhase({ kind: 'starting' });
    try {
      if (await api.needsSetup()) {
        setPhase({ kind: 'setup' });
        return;
      }
      await client.restore().catch(() => null);
      setUser(client.currentUser);
      setPhase({ kind: 'ready' });
    } catch (error) {
      setPhase({ kind: 'unreachable', error });
    }
  }, [api, client]);

  useEffect(() => {
    void start();
  }, [start]);

  const logout = useCallback(async () => {
    signingOut.current = true;
    try {
      await client.logout().catch(() => undefined);
      void navigate('/login', { replace: true });
    } finally {
      signingOut.current = false;
    }
  }, [client, navigate]);

  const context = useMemo(() => (user ? { client, api, user, logout } : null), [client, api, user, logout]);

  if (phase.kind === 'starting') return <Spinner label={t('app.starting')} />;
  if (phase.kind === 'unreachable') {
    return (
      <div className="auth-page">
        <main className="auth-card" id="main">
          <EmptyState title={t('app.unreachable')}>
            <p className="muted">{errorText(phase.error)}</p>
            <Button variant="primary" onClick={() => void start()}>
              {t('common.retry')}
            </Button>
          </EmptyState>
        </main>
      </div>
    );
  }
  if (phase.kind === 'setup') {
    return (
      <SetupPage
        client={client}
        onDone={() => {
          setUser(client.currentUser);
          setPhase({ kind: 'ready' });
          void navigate('/', { replace: true });
        }}
      />
    );
  }
  if (!context) {
    return (
      <Routes>
        <Route path="/login" element={<LoginPage client={client} />} />
        <Route
          path="*"
          element={<Navigate to={`/login?next=${encodeURIComponent(here.current)}`} replace />}
        />
      </Routes>
    );
  }
  return (
    <AppContext.Provider value={context}>
      <Shell>
        <Suspense fallback={<Spinner label={t('common.loading')} />}>
          <Routes>
            {PAGES.filter((page) => hasRole(context.user, page.minRole)).map((page) => (
              <Route key={page.path} path={page.path} element={<page.Component />} />
            ))}
            <Route path="/login" element={<Navigate to="/" replace />} />
            <Route path="*" element={<EmptyState title={t('app.notFound')} />} />
          </Routes>
        </Suspense>
      </Shell>
    </AppContext.Provider>
  );
}
