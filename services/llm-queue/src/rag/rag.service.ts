import type { Kysely } from 'kysely';
import {
  type ChatRagOption,
  type RagSource,
  SEARCH_QUERY_MAX,
  chatRagOptionSchema,
  ragSourceSchema,
} from '@arasul/contracts';
import type { Database } from '@arasul/db';
import type { Identity } from '@arasul/service-kit';
import { ConversationNotFoundError } from '../chats/chats.errors';
import type { RagAdmission } from '../jobs/jobs.service';
import {
  CAUTION_PREFACE,
  type Language,
  NO_RESULT_ANSWER,
  buildRagPrompt,
  detectLanguage,
} from './rag.prompt';
import { ragRepository } from './rag.repository';
import type { SearchClient } from './search.client';

export interface RagServiceOptions {
  /** Tokens of the prompt the numbered chunks may take (the rest is the question, history and answer). */
  contextTokens: number;
}

/** What a chat with documents does next. */
export type RagPlan =
  /** Answer through the queue as a `rag` job with these sources. */
  | { kind: 'answer'; language: Language; sources: RagSource[]; marginal: boolean; admission: RagAdmission }
  /** Nothing relevant: answer this text at once, no LLM job. */
  | { kind: 'no_result'; language: Language; text: string; setting: ChatRagOption };

const NO_SOURCES_NOTE: Record<Language, string> = {
  de: 'In den Dokumenten wurde nichts Passendes gefunden. Sage das zu Beginn deiner Antwort und antworte dann aus allgemeinem Wissen.',
  en: 'Nothing relevant was found in the documents. Say so at the start of your answer, then answer from general knowledge.',
};

const TITLE_LENGTH = 60;

/** Retrieval for chats: decides whether a turn uses the documents, searches, and builds the prompt. */
export class RagService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly search: SearchClient,
    private readonly options: RagServiceOptions,
  ) {}

  /**
   * The RAG option in effect: the request's own, else the conversation's remembered one; undefined for a
   * plain chat. A conversation that is not the user's is a 404.
   */
  async settingFor(
    userId: number,
    requested: ChatRagOption | null | undefined,
    conversationId: string | undefined,
  ): Promise<ChatRagOption | undefined> {
    if (requested === null) {
      // "Dokumente verwenden" switched off: a plain answer, and the conversation stops using documents.
      if (conversationId !== undefined) await ragRepository.forgetSetting(this.db, userId, conversationId);
      return undefined;
    }
    if (requested !== undefined) return requested;
    if (conversationId === undefined) return undefined;
    const row = await ragRepository.conversationSetting(this.db, userId, conversationId);
    if (!row) throw new ConversationNotFoundError();
    if (row.rag === null) return undefined;
    const parsed = chatRagOptionSchema.safeParse(row.rag);
    return parsed.success ? parsed.data : {};
  }

  /** Searches the documents for `question` and decides how to answer it. */
  async plan(
    identity: Identity,
    question: string,
    setting: ChatRagOption,
    signal?: AbortSignal,
  ): Promise<RagPlan> {
    const language = detectLanguage(question);
    const result = await this.search.search(
      identity,
      {
        query: question.trim().slice(0, SEARCH_QUERY_MAX),
        ...(setting.spaceIds && setting.spaceIds.length > 0 ? { spaceIds: setting.spaceIds } : {}),
      },
      signal,
    );
    if (result.hits.length === 0 && !result.answerWithoutSources) {
      return { kind: 'no_result', language, text: NO_RESULT_ANSWER[language], setting };
    }
    if (result.hits.length === 0) {
      return {
        kind: 'answer',
        language,
        sources: [],
        marginal: true,
        admission: { context: NO_SOURCES_NOTE[language], sources: [], preface: '', setting },
      };
    }
    const prompt = buildRagPrompt(result.hits, language, result.marginal, this.options.contextTokens);
    return {
      kind: 'answer',
      language,
      sources: prompt.sources,
      marginal: result.marginal,
      admission: {
        context: prompt.context,
        sources: prompt.sources,
        preface: result.marginal ? CAUTION_PREFACE[language] : '',
        setting,
      },
    };
  }

  /** Stores a turn answered without the model (nothing found). */
  async storeNoResult(
    userId: number,
    conversationId: string | undefined,
    question: string,
    plan: RagPlan & { kind: 'no_result' },
  ) {
    const flat = question.replace(/\s+/g, ' ').trim();
    const row = await ragRepository.insertAnsweredTurn(this.db, {
      userId,
      conversationId: conversationId ?? null,
      title: flat.length <= TITLE_LENGTH ? flat : `${flat.slice(0, TITLE_LENGTH - 1)}…`,
      message: question,
      answer: plan.text,
      setting: plan.setting,
    });
    if (!row) throw new ConversationNotFoundError();
    return {
      conversationId: row.conversation_id,
      userMessageId: row.user_message_id,
      assistantMessageId: row.assistant_message_id,
    };
  }

  /** The sources of a job's answer, for a reconnecting stream; undefined for a job without RAG. */
  async sourcesOfJob(jobId: string): Promise<RagSource[] | undefined> {
    const stored = await ragRepository.sourcesOfJob(this.db, jobId);
    if (!Array.isArray(stored)) return undefined;
    return stored.flatMap((s) => {
      const parsed = ragSourceSchema.safeParse(s);
      return parsed.success ? [parsed.data] : [];
    });
  }
}
