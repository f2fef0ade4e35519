import { type ComponentType, lazy, Suspense } from 'react';
import { Navigate, NavLink, useParams } from 'react-router';
import type { Role } from '@arasul/contracts';
import { hasRole, useApp } from '../../app/context';
import type { MessageKey } from '../../i18n/de';
import { useI18n } from '../../i18n/i18n';
import { Spinner } from '../../ui/components';
import { AccountTab } from './AccountTab';

const UsersTab = lazy(() => import('./UsersTab'));
const ApiKeysTab = lazy(() => import('./ApiKeysTab'));
const AuditTab = lazy(() => import('./AuditTab'));
const ThresholdsTab = lazy(() => import('./ThresholdsTab'));

interface Tab {
  id: string;
  label: MessageKey;
  minRole: Role;
  Component: ComponentType;
}

/** What each role may see; the services check the same roles again on every call. */
const TABS: Tab[] = [
  { id: 'account', label: 'settings.tab.account', minRole: 'viewer', Component: AccountTab },
  { id: 'users', label: 'settings.tab.users', minRole: 'admin', Component: UsersTab },
  { id: 'api-keys', label: 'settings.tab.apiKeys', minRole: 'admin', Component: ApiKeysTab },
  { id: 'audit', label: 'settings.tab.audit', minRole: 'admin', Component: AuditTab },
  { id: 'thresholds', label: 'settings.tab.thresholds', minRole: 'viewer', Component: ThresholdsTab },
];

export default function SettingsPage() {
  const { user } = useApp();
  const { t } = useI18n();
  const { tab } = useParams();
  const tabs = TABS.filter((entry) => hasRole(user, entry.minRole));
  const current = tabs.find((entry) => entry.id === (tab ?? 'account'));
  if (!current) return <Navigate to="/settings" replace />;
  return (
    <div className="page settings">
      <div className="page-header">
        <h1>{t('settings.title')}</h1>
      </div>
      <nav className="tabs" aria-label={t('settings.title')}>
        {tabs.map((entry) => (
          <NavLink
            key={entry.id}
            to={entry.id === 'account' ? '/settings' : `/settings/${entry.id}`}
            end
            className={({ isActive }) => `tab${isActive ? ' active' : ''}`}
            data-testid={`tab-${entry.id}`}
          >
            {t(entry.label)}
          </NavLink>
        ))}
      </nav>
      <Suspense fallback={<Spinner label={t('common.loading')} />}>
        <current.Component />
      </Suspense>
    </div>
  );
}
