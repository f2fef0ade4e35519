import type { ChatRagOption, ConversationDto } from '@arasul/contracts';

/** What the "Dokumente verwenden" switch and the space picker show. `space` '' means every space. */
export interface RagChoice {
  enabled: boolean;
  space: string;
}

/**
 * The switch and picker for a conversation that was opened: its remembered setting (a conversation
 * started with documents keeps using them). The picker holds one space; a setting with several (set
 * through the API) shows the first.
 */
export function ragChoiceOf(conversation: Pick<ConversationDto, 'rag'>): RagChoice {
  const rag = conversation.rag;
  return { enabled: rag !== null, space: rag?.spaceIds?.[0] ?? '' };
}

/**
 * The `rag` field of a chat request for the switch and picker: the setting when the switch is on; `null`
 * when it is off in a conversation that remembers documents (the server then answers plainly and forgets
 * the setting); nothing for a plain chat.
 */
export function ragRequestOf(choice: RagChoice, remembered: boolean): ChatRagOption | null | undefined {
  if (choice.enabled) return choice.space ? { spaceIds: [choice.space] } : {};
  return remembered ? null : undefined;
}
