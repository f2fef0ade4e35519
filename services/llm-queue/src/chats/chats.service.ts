import type { Kysely } from 'kysely';
import {
  type ChatRagOption,
  type ConversationDto,
  type MessageDto,
  type RagSource,
  chatRagOptionSchema,
  ragSourceSchema,
} from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { ConversationNotFoundError } from './chats.errors';
import { type ConversationRow, type MessageRow, chatsRepository } from './chats.repository';

export type { ConversationDto, MessageDto };

/** `chat_conversations.rag` (jsonb): the remembered setting; one that no longer parses means every space. */
function ragSettingOf(stored: unknown): ChatRagOption | null {
  if (stored === null || stored === undefined) return null;
  const parsed = chatRagOptionSchema.safeParse(stored);
  return parsed.success ? parsed.data : {};
}

export function toConversationDto(row: ConversationRow): ConversationDto {
  return {
    id: row.id,
    title: row.title,
    messageCount: row.message_count,
    rag: ragSettingOf(row.rag),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const storedSourcesSchema = ragSourceSchema.array();

/** `chat_messages.sources` (jsonb): the sources a RAG answer was given; null for a plain answer. */
function sourcesOf(stored: unknown): RagSource[] | null {
  if (stored === null) return null;
  const parsed = storedSourcesSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

export function toMessageDto(row: MessageRow): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    content: row.content,
    thinking: row.thinking,
    sources: sourcesOf(row.sources),
    status: row.status,
    jobId: row.job_id,
    model: row.model,
    createdAt: row.created_at.toISOString(),
  };
}

const MAX_EXPORT_MESSAGES = 10_000;

/** A user's own conversations; every method is scoped to `userId`. */
export class ChatsService {
  constructor(private readonly db: Kysely<Database>) {}

  async list(userId: number, limit: number, before?: Date): Promise<ConversationDto[]> {
    return (await chatsRepository.listOwned(this.db, userId, limit, before)).map(toConversationDto);
  }

  async create(userId: number, title: string | null): Promise<ConversationDto> {
    return toConversationDto(await chatsRepository.insertConversation(this.db, userId, title));
  }

  async get(userId: number, id: string): Promise<ConversationDto> {
    return toConversationDto(await this.owned(userId, id));
  }

  async rename(userId: number, id: string, title: string | null): Promise<ConversationDto> {
    const row = await chatsRepository.updateTitle(this.db, userId, id, title);
    if (!row) throw new ConversationNotFoundError();
    return toConversationDto(row);
  }

  /** Soft delete: gone for the user now, purged after the retention period. */
  async remove(userId: number, id: string): Promise<void> {
    if (!(await chatsRepository.softDelete(this.db, userId, id))) throw new ConversationNotFoundError();
  }

  async messages(userId: number, id: string, limit: number, after?: Date): Promise<MessageDto[]> {
    await this.owned(userId, id);
    return (await chatsRepository.listMessages(this.db, id, limit, after)).map(toMessageDto);
  }

  async search(userId: number, text: string, limit: number) {
    const rows = await chatsRepository.search(this.db, userId, text, limit);
    return rows.map((row) => ({
      ...toConversationDto(row),
      snippet: row.matching_content === null ? null : snippet(row.matching_content, text),
    }));
  }

  async export(
    userId: number,
    id: string,
    format: 'md' | 'json',
  ): Promise<{ filename: string; type: string; body: string }> {
    const conversation = toConversationDto(await this.owned(userId, id));
    const messages = (await chatsRepository.listMessages(this.db, id, MAX_EXPORT_MESSAGES)).map(toMessageDto);
    const base =
      (conversation.title ?? 'chat')
        .replace(/[^\p{L}\p{N} _-]+/gu, '')
        .trim()
        .slice(0, 60) || 'chat';
    if (format === 'json') {
      return {
        filename: `${base}.json`,
        type: 'application/json; charset=utf-8',
        body: JSON.stringify({ conversation, messages }, null, 2),
      };
    }
    const lines = [`# ${conversation.title ?? 'Chat'}`, '', `_Exported ${new Date().toISOString()}_`, ''];
    for (const m of messages) {
      const who =
        m.role === 'user'
          ? 'You'
          : m.role === 'assistant'
            ? `Assistant${m.model ? ` (${m.model})` : ''}`
            : 'System';
      const note = m.status === 'cancelled' ? ' _(stopped)_' : m.status === 'failed' ? ' _(failed)_' : '';
      lines.push(`## ${who}${note}`, '', `_${m.createdAt}_`, '', m.content, '');
    }
    return { filename: `${base}.md`, type: 'text/markdown; charset=utf-8', body: lines.join('\n') };
  }

  private async owned(userId: number, id: string): Promise<ConversationRow> {
    const row = await chatsRepository.findOwned(this.db, userId, id);
    if (!row) throw new ConversationNotFoundError();
    return row;
  }
}

/** Up to 160 characters around the first match. */
function snippet(content: string, text: string): string {
  const at = content.toLowerCase().indexOf(text.toLowerCase());
  const start = Math.max(0, at - 60);
  const piece = content.slice(start, start + 160);
  return `${start > 0 ? '…' : ''}${piece}${start + 160 < content.length ? '…' : ''}`;
}
