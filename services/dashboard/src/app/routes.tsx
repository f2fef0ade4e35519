import { lazy } from 'react';
import type { MessageKey } from '../i18n/de';
import type { Role } from '@arasul/contracts';

/**
 * The pages of the signed-in shell. Each is its own chunk (loaded on first visit), so the first load
 * stays small however many pages later issues add: documents, self-healing, Telegram, updates and
 * Datentabellen each become one more entry here.
 */
export interface PageEntry {
  /** The navigation target. */
  to: string;
  /** The route pattern (one pattern per page, so the page keeps its state while its parameters change). */
  path: string;
  label: MessageKey;
  icon: string;
  minRole: Role;
  Component: ReturnType<typeof lazy>;
}

export const PAGES: PageEntry[] = [
  {
    to: '/',
    path: '/',
    label: 'nav.overview',
    icon: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z',
    minRole: 'viewer',
    Component: lazy(() => import('../features/overview/OverviewPage')),
  },
  {
    to: '/chat',
    path: '/chat/:conversationId?',
    label: 'nav.chat',
    icon: 'M4 4h16v12H7l-3 3zm4 5h8M8 12h5',
    minRole: 'operator',
    Component: lazy(() => import('../features/chat/ChatPage')),
  },
  {
    to: '/documents',
    path: '/documents',
    label: 'nav.documents',
    icon: 'M6 2h9l5 5v15H6zm8 1v5h5M9 13h8M9 17h8',
    minRole: 'viewer',
    Component: lazy(() => import('../features/documents/DocumentsPage')),
  },
  {
    to: '/system',
    path: '/system',
    label: 'nav.system',
    icon: 'M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5zm-1 13-3-3 1.4-1.4 1.6 1.6 4.6-4.6L17 9z',
    minRole: 'viewer',
    Component: lazy(() => import('../features/system/SystemPage')),
  },
  {
    to: '/notifications',
    path: '/notifications',
    label: 'nav.notifications',
    icon: 'M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.8V3a1.5 1.5 0 0 0-3 0v1.2A7 7 0 0 0 5 11v5l-2 2v1h18v-1z',
    minRole: 'admin',
    Component: lazy(() => import('../features/notifications/NotificationsPage')),
  },
  {
    to: '/settings',
    path: '/settings/:tab?',
    label: 'nav.settings',
    icon: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zm8.5 4-2-1-.5-1.6 1-2-2-2-2 1-1.5-.6-1-2h-3l-.7 2-1.6.6-2-1-2 2 1 2-.6 1.6-2 .7v3l2 .7.6 1.5-1 2 2 2 2-1 1.6.6.7 2h3l.7-2 1.5-.6 2 1 2-2-1-2 .6-1.5 2-.7z',
    minRole: 'viewer',
    Component: lazy(() => import('../features/settings/SettingsPage')),
  },
];
