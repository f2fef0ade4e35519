import { z } from 'zod';
import { chatRagOptionSchema, ragSourceSchema } from '../search';
import { isoDateTimeSchema, itemsOf } from './common';

/** A conversation (`GET /api/chats`, `/search`, `PATCH /api/chats/:id`). */
export const conversationSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  messageCount: z.number().int().nonnegative(),
  /**
   * The chat-level RAG setting the conversation remembers (`{}` = every space), null for a plain chat. A
   * chat request without `rag` keeps using it; `rag: null` ends it.
   */
  rag: chatRagOptionSchema.nullable(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type ConversationDto = z.infer<typeof conversationSchema>;
export const conversationListSchema = itemsOf(conversationSchema);

/** A search hit: the conversation and the text around the match. */
export const conversationHitSchema = conversationSchema.extend({ snippet: z.string().nullable() });
export type ConversationHitDto = z.infer<typeof conversationHitSchema>;
export const conversationHitListSchema = itemsOf(conversationHitSchema);

/** One message of a conversation (`GET /api/chats/:id/messages`). */
export const messageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: z.string(),
  content: z.string(),
  thinking: z.string().nullable(),
  /** RAG answers: the sources it was given (an empty list: nothing was found). */
  sources: z.array(ragSourceSchema).nullish(),
  status: z.string(),
  jobId: z.string().nullable(),
  model: z.string().nullable(),
  createdAt: isoDateTimeSchema,
});
export type MessageDto = z.infer<typeof messageSchema>;
export const messageListSchema = itemsOf(messageSchema);

/** `PATCH /api/chats/:id`. */
export const renameConversationRequestSchema = z
  .object({ title: z.string().trim().min(1).max(255).nullable() })
  .strict();
export type RenameConversationRequest = z.input<typeof renameConversationRequestSchema>;
