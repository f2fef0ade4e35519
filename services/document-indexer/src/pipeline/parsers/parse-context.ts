import type { OcrOptions } from '../ocr';

export interface ParseContext {
  /** A private temporary directory for this document (removed afterwards). */
  workDir: string;
  ocr: OcrOptions & { available: boolean };
  maxPages: number;
  toolTimeoutMs: number;
  signal?: AbortSignal | undefined;
}
