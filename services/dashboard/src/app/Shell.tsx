import { type ReactNode, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { Button } from '../ui/components';
import { useApp } from './context';
import { LanguageSwitch } from './LanguageSwitch';
import { MainNav } from './MainNav';

/** The frame around every signed-in page: navigation, the user, language, sign-out. */
export function Shell({ children }: { children: ReactNode }) {
  const { user, logout } = useApp();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span className="brand-name">Arasul</span>
        </div>
        <MainNav user={user} />
        <div className="topbar-end">
          <LanguageSwitch />
          <span className="user-chip" data-testid="current-user">
            <span className="user-name">{user.username}</span>
            <span className="user-role">{t(`role.${user.role}`)}</span>
          </span>
          <Button
            variant="ghost"
            className="btn-small"
            busy={busy}
            data-testid="logout"
            onClick={() => {
              setBusy(true);
              void logout().finally(() => {
                setBusy(false);
              });
            }}
          >
            {t('app.logout')}
          </Button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
