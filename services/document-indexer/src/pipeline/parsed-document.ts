import type { FailedPart } from '@arasul/contracts';

/** A heading or a paragraph of text, with the page it is on (1-based; `null` for formats without pages). */
export interface Block {
  kind: 'heading' | 'paragraph';
  text: string;
  /** Headings: 1 (top) to 6. */
  level: number;
  page: number | null;
}

export interface ParsedDocument {
  blocks: Block[];
  pageCount: number | null;
  title: string | null;
  /** Pages (or the whole document) that could not be read, with why. */
  failedParts: FailedPart[];
}

/** A failure a retry cannot fix: the document ends `failed` with this code and message at once. */
export class PermanentParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentParseError';
  }
}

/** Reports progress as 0–1 of the parse stage; `stage` switches to `ocr` while pages are OCR'd. */
export type ParseProgress = (fraction: number, stage: 'parsing' | 'ocr') => Promise<void>;

/** Splits plain text into paragraphs on blank lines (single newlines inside a paragraph are kept as spaces). */
export function paragraphsOf(text: string, page: number | null): Block[] {
  return text
    .split(/\n\s*\n/)
    .map((part) => part.replace(/[ \t]*\n[ \t]*/g, '\n').trim())
    .filter((part) => part.length > 0)
    .map((part) => ({ kind: 'paragraph' as const, text: part, level: 0, page }));
}
