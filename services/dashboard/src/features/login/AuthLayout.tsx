import type { ReactNode } from 'react';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useI18n } from '../../i18n/i18n';

/** The centred card of the setup and login pages, with the product name and the language switch. */
export function AuthLayout({
  title,
  intro,
  children,
}: {
  title: string;
  intro?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-brand">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <div>
            <div className="brand-name">Arasul</div>
            <div className="brand-tagline">{t('app.tagline')}</div>
          </div>
        </div>
        <h1>{title}</h1>
        {intro && <p className="muted">{intro}</p>}
        {children}
      </main>
      <footer className="auth-footer">
        <LanguageSwitch />
      </footer>
    </div>
  );
}
