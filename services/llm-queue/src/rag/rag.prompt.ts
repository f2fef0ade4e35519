/** What the model sees of the documents, and the fixed texts of a RAG answer, in the user's language. */
import type { RagSource, SearchHit } from '@arasul/contracts';

export type Language = 'de' | 'en';

const GERMAN_HINTS = new Set([
  'der',
  'die',
  'das',
  'und',
  'ist',
  'nicht',
  'ich',
  'wie',
  'was',
  'wer',
  'wann',
  'wo',
  'welche',
  'welcher',
  'gibt',
  'es',
  'mit',
  'für',
  'auf',
  'den',
  'dem',
  'ein',
  'eine',
  'zu',
  'im',
  'bei',
  'muss',
  'kann',
  'sind',
  'haben',
  'wird',
  'werden',
  'darf',
  'nach',
  'vom',
  'zum',
  'zur',
  'des',
  'lange',
  'viel',
  'viele',
]);
const ENGLISH_HINTS = new Set([
  'the',
  'and',
  'is',
  'not',
  'what',
  'who',
  'when',
  'where',
  'which',
  'how',
  'does',
  'do',
  'are',
  'of',
  'for',
  'with',
  'on',
  'to',
  'in',
  'a',
  'an',
  'can',
  'must',
  'many',
  'much',
  'long',
  'there',
  'our',
  'we',
  'i',
]);

/** German or English, by umlauts and common words; German when undecided (the appliance's home language). */
export function detectLanguage(text: string): Language {
  const words = text.toLowerCase().match(/[\p{L}]+/gu) ?? [];
  let de = /[äöüß]/i.test(text) ? 2 : 0;
  let en = 0;
  for (const w of words) {
    if (GERMAN_HINTS.has(w)) de += 1;
    if (ENGLISH_HINTS.has(w)) en += 1;
  }
  return en > de ? 'en' : 'de';
}

export const NO_RESULT_ANSWER: Record<Language, string> = {
  de: 'Dazu habe ich in den Dokumenten nichts gefunden.',
  en: 'I found nothing about this in the documents.',
};

export const CAUTION_PREFACE: Record<Language, string> = {
  de: 'Hinweis: Die Dokumente passen nur teilweise zu dieser Frage; bitte prüfen Sie die Quellen. ',
  en: 'Note: the documents match this question only partly; please check the sources. ',
};

const RULES: Record<Language, (marginal: boolean) => string> = {
  de: (marginal) =>
    [
      'Beantworte die Frage ausschließlich mit den folgenden nummerierten Quellen aus den Dokumenten des Büros.',
      'Belege jede Aussage mit der Nummer ihrer Quelle in eckigen Klammern, z. B. [1] oder [2][3].',
      'Steht die Antwort nicht in den Quellen, sage das ehrlich und erfinde nichts.',
      marginal ? 'Die Quellen passen nur teilweise: sei vorsichtig und nenne Unsicherheiten.' : '',
      'Antworte auf Deutsch.',
    ]
      .filter(Boolean)
      .join('\n'),
  en: (marginal) =>
    [
      "Answer the question using only the numbered sources below, taken from the office's documents.",
      'Cite every statement with the number of its source in square brackets, e.g. [1] or [2][3].',
      'If the answer is not in the sources, say so honestly and do not invent anything.',
      marginal ? 'The sources match only partly: be careful and point out uncertainty.' : '',
      'Answer in English.',
    ]
      .filter(Boolean)
      .join('\n'),
};

/** A rough token count (≈ 4 characters per token) to keep the prompt inside the model's context. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function pageLabel(hit: SearchHit, language: Language): string {
  if (hit.pageStart === null) return '';
  const word = language === 'de' ? 'Seite' : 'page';
  return hit.pageEnd !== null && hit.pageEnd !== hit.pageStart
    ? `, ${word} ${String(hit.pageStart)}–${String(hit.pageEnd)}`
    : `, ${word} ${String(hit.pageStart)}`;
}

function plain(excerpt: string): string {
  return excerpt
    .replace(/<\/?mark>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

export interface RagPrompt {
  context: string;
  sources: RagSource[];
}

/**
 * The system message with the numbered chunks (each with its section around it while the budget allows),
 * best first, cut at `budgetTokens`. Only chunks that made it into the prompt become sources, numbered 1…n.
 */
export function buildRagPrompt(
  hits: readonly SearchHit[],
  language: Language,
  marginal: boolean,
  budgetTokens: number,
): RagPrompt {
  const head = RULES[language](marginal);
  const parts: string[] = [head, ''];
  let used = estimateTokens(head);
  const sources: RagSource[] = [];
  for (const hit of hits) {
    const n = sources.length + 1;
    const title = `[${String(n)}] ${hit.documentName}${pageLabel(hit, language)}${
      hit.headingPath.length > 0 ? ` — ${hit.headingPath.join(' › ')}` : ''
    }`;
    const withParent =
      hit.parentText !== null && hit.parentText !== hit.text
        ? `${title}\n${hit.text}\n(${language === 'de' ? 'Abschnitt' : 'Section'}: ${hit.parentText})`
        : undefined;
    const bare = `${title}\n${hit.text}`;
    const block =
      withParent !== undefined && used + estimateTokens(withParent) <= budgetTokens ? withParent : bare;
    const cost = estimateTokens(block);
    if (used + cost > budgetTokens) {
      if (sources.length > 0) break;
      // The first chunk always goes in, cut to the budget: an answer needs at least one source.
      const room = Math.max(200, (budgetTokens - used) * 4);
      parts.push(block.slice(0, room));
    } else {
      parts.push(block, '');
    }
    used += cost;
    sources.push({
      n,
      documentId: hit.documentId,
      chunkId: hit.chunkId,
      name: hit.documentName,
      mimeType: hit.mimeType,
      page: hit.pageStart,
      pageEnd: hit.pageEnd,
      excerpt: plain(hit.excerpt),
      text: hit.text,
      score: Math.round(hit.score * 1000) / 1000,
    });
  }
  return { context: parts.join('\n').trim(), sources };
}

/** What a RAG job keeps in its stored request (llm_jobs.request.rag). */
export interface StoredRag {
  context: string;
}

/** The messages for the model with the RAG system message right before the last user message. */
export function withRagContext<M extends { role: string; content: string }>(
  messages: M[],
  rag: StoredRag | undefined,
): M[] {
  if (!rag) return messages;
  let last = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') last = i;
  });
  const system = { role: 'system', content: rag.context } as M;
  if (last < 0) return [...messages, system];
  return [...messages.slice(0, last), system, ...messages.slice(last)];
}
