import { createContext, useContext } from 'react';
import type { SessionUser } from '@arasul/contracts';
import type { ApiClient } from '../api/client';
import type { Api } from '../api/endpoints';
import type { Role } from '@arasul/contracts';

export interface AppContextValue {
  client: ApiClient;
  api: Api;
  user: SessionUser;
  /** Signs out on the server, then shows the login page. */
  logout: () => Promise<void>;
}

export const AppContext = createContext<AppContextValue | null>(null);

/** The API and the signed-in user; only pages inside the signed-in shell use it. */
export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside the signed-in shell');
  return value;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(user: { role: Role }, needed: Role): boolean {
  return RANK[user.role] >= RANK[needed];
}
