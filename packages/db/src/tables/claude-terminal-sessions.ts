import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

/** Claude terminal queries and answers; deleted with their user. */
export interface ClaudeTerminalSessionsTable {
  id: Generated<number>;
  user_id: number | null;
  query: string;
  response: string | null;
  context: Json | null;
  created_at: Generated<Timestamp>;
}

export type ClaudeTerminalSession = Selectable<ClaudeTerminalSessionsTable>;
export type NewClaudeTerminalSession = Insertable<ClaudeTerminalSessionsTable>;
export type ClaudeTerminalSessionUpdate = Updateable<ClaudeTerminalSessionsTable>;
