import type { Block } from './parsed-document';

export interface ChunkerOptions {
  /** A child chunk is closed once it has at least this many words… */
  minWords: number;
  /** …and never grows past this many (a single longer sentence is split by words). */
  maxWords: number;
  /** Words of the previous chunk repeated at the start of the next one in the same section. */
  overlapWords: number;
  /** Parent sections are split beyond this many words. */
  maxSectionWords: number;
  /** A last chunk (or section) shorter than this is merged into its predecessor. */
  tinyWords: number;
}

export const DEFAULT_CHUNKER: ChunkerOptions = {
  minWords: 150,
  maxWords: 250,
  overlapWords: 30,
  maxSectionWords: 2000,
  tinyWords: 40,
};

export interface Section {
  index: number;
  headingPath: string[];
  pageStart: number | null;
  pageEnd: number | null;
  content: string;
}

export interface Chunk {
  index: number;
  sectionIndex: number;
  headingPath: string[];
  pageStart: number | null;
  pageEnd: number | null;
  content: string;
  wordCount: number;
}

interface Unit {
  text: string;
  words: number;
  page: number | null;
  /** Starts a new paragraph (joined with a blank line rather than a space). */
  paragraphStart: boolean;
}

/** German legal structure: `§ 5`, `Art. 3`, `Artikel 3`, `Anlage 2` start a new unit of meaning. */
const LEGAL_HEADING = /^(§{1,2}\s*\d+[a-z]?|Art(?:\.|ikel)\s*\d+[a-z]?|Anlage\s+\d+[a-z]?)\b/i;
const LEGAL_SPLIT = /\n(?=§{1,2}\s*\d|Art(?:\.|ikel)\s*\d|Anlage\s+\d|Abs\.\s*\d|\(\d+[a-z]?\)\s)/;
/** Sentence ends, not after common German abbreviations or single letters/digits (z. B., Abs. 2, Nr. 3). */
const SENTENCE_END =
  /(?<!\b(?:z|B|d|h|u|a|Abs|Nr|Art|bzw|ca|vgl|ggf|usw|inkl|gem|Dr|Prof|Hr|Fr|S|Mio|Mrd|etc|St|Str))(?<!\b\w)([.!?])\s+(?=[A-ZÄÖÜ0-9§"„(])/u;

function countWords(text: string): number {
  const matches = text.match(/\S+/g);
  return matches ? matches.length : 0;
}

function splitSentences(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const match = SENTENCE_END.exec(rest);
    if (!match) break;
    const end = match.index + (match[1]?.length ?? 1);
    out.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  if (rest.trim() !== '') out.push(rest.trim());
  return out;
}

function splitByWords(text: string, size: number): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(' '));
  return out;
}

/** A paragraph → units no longer than `maxWords` (sentences, or word runs for a sentence that is too long). */
function unitsOf(text: string, page: number | null, maxWords: number): Unit[] {
  const units: Unit[] = [];
  const normalized = text.replace(/[ \t]+/g, ' ');
  for (const part of normalized.split(LEGAL_SPLIT)) {
    const flat = part.replace(/\s*\n\s*/g, ' ').trim();
    if (flat === '') continue;
    const pieces = countWords(flat) <= maxWords ? [flat] : splitSentences(flat);
    for (const [s, sentence] of pieces.entries()) {
      for (const [w, piece] of (countWords(sentence) <= maxWords
        ? [sentence]
        : splitByWords(sentence, maxWords)
      ).entries()) {
        units.push({ text: piece, words: countWords(piece), page, paragraphStart: s === 0 && w === 0 });
      }
    }
  }
  return units;
}

function joinUnits(units: readonly Unit[]): string {
  return units.map((u, i) => (i === 0 ? u.text : `${u.paragraphStart ? '\n\n' : ' '}${u.text}`)).join('');
}

function pageRange(units: readonly Unit[]): { pageStart: number | null; pageEnd: number | null } {
  const pages = units.flatMap((u) => (u.page === null ? [] : [u.page]));
  return pages.length === 0
    ? { pageStart: null, pageEnd: null }
    : { pageStart: Math.min(...pages), pageEnd: Math.max(...pages) };
}

interface RawSection {
  headingPath: string[];
  units: Unit[];
}

/** Blocks → parent sections by heading (and legal markers), split at `maxSectionWords`; tiny ones merged. */
function sectionsOf(blocks: readonly Block[], options: ChunkerOptions): RawSection[] {
  const sections: RawSection[] = [];
  const stack: { level: number; text: string }[] = [];
  let current: RawSection = { headingPath: [], units: [] };
  let words = 0;
  const open = (): void => {
    if (current.units.length > 0) sections.push(current);
    current = { headingPath: stack.map((h) => h.text), units: [] };
    words = 0;
  };
  const pushHeading = (level: number, text: string): void => {
    while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= level) stack.pop();
    stack.push({ level, text: text.slice(0, 200) });
    open();
  };
  for (const block of blocks) {
    if (block.kind === 'heading') {
      pushHeading(block.level, block.text.replace(/\s+/g, ' ').trim());
      continue;
    }
    const firstLine = block.text.split('\n', 1)[0]?.trim() ?? '';
    if (LEGAL_HEADING.test(firstLine) && firstLine.length <= 120) {
      // A legal marker heads a sub-unit below the document's own headings.
      pushHeading(7, firstLine);
    }
    for (const unit of unitsOf(block.text, block.page, options.maxWords)) {
      if (words + unit.words > options.maxSectionWords && current.units.length > 0) open();
      current.units.push(unit);
      words += unit.words;
    }
  }
  open();
  // Merge tiny sections into the one before (same document, nearby text) so no chunk is a lone fragment.
  const merged: RawSection[] = [];
  for (const section of sections) {
    const sectionWords = section.units.reduce((n, u) => n + u.words, 0);
    const previous = merged.at(-1);
    const previousWords = previous?.units.reduce((n, u) => n + u.words, 0) ?? 0;
    if (
      previous &&
      sectionWords < options.tinyWords &&
      previousWords + sectionWords <= options.maxSectionWords
    ) {
      previous.units.push(...section.units.map((u, i) => (i === 0 ? { ...u, paragraphStart: true } : u)));
    } else merged.push(section);
  }
  return merged;
}

/**
 * Structure-aware chunking: parent sections follow headings, paragraphs and German legal markers (§, Art.,
 * Abs., Anlage); child chunks of `minWords`–`maxWords` words are cut at sentence boundaries inside a section,
 * each repeating the last `overlapWords` words of the one before; a tiny last chunk is merged. Deterministic:
 * the same blocks always give the same chunks.
 */
export function chunkDocument(
  blocks: readonly Block[],
  options: ChunkerOptions = DEFAULT_CHUNKER,
): { sections: Section[]; chunks: Chunk[] } {
  const sections: Section[] = [];
  const chunks: Chunk[] = [];
  for (const raw of sectionsOf(blocks, options)) {
    const sectionIndex = sections.length;
    sections.push({
      index: sectionIndex,
      headingPath: raw.headingPath,
      ...pageRange(raw.units),
      content: joinUnits(raw.units),
    });
    const groups: Unit[][] = [];
    let group: Unit[] = [];
    let words = 0;
    for (const unit of raw.units) {
      if (group.length > 0 && (words >= options.minWords || words + unit.words > options.maxWords)) {
        groups.push(group);
        group = [];
        words = 0;
      }
      group.push(unit);
      words += unit.words;
    }
    if (group.length > 0) {
      const last = groups.at(-1);
      const lastWords = last?.reduce((n, u) => n + u.words, 0) ?? 0;
      if (last && words < options.tinyWords && lastWords + words <= options.maxWords + options.tinyWords)
        last.push(...group);
      else groups.push(group);
    }
    let previousTail = '';
    for (const units of groups) {
      const body = joinUnits(units);
      const content = previousTail === '' ? body : `${previousTail} … ${body}`;
      const tailWords = body.split(/\s+/).filter((w) => w !== '');
      previousTail = options.overlapWords > 0 ? tailWords.slice(-options.overlapWords).join(' ') : '';
      chunks.push({
        index: chunks.length,
        sectionIndex,
        headingPath: raw.headingPath,
        ...pageRange(units),
        content,
        wordCount: countWords(content),
      });
    }
  }
  return { sections, chunks };
}
