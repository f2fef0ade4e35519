import { join } from 'node:path';
import type { FailedPart } from '@arasul/contracts';
import { runTool } from '../external-tools';
import { ocrImage } from '../ocr';
import { type Block, type ParseProgress, PermanentParseError, paragraphsOf } from '../parsed-document';
import type { ParseContext } from './parse-context';

const PAGES_PER_CALL = 20;

interface PdfInfo {
  pages: number;
  title: string | null;
}

async function pdfInfo(file: string, context: ParseContext): Promise<PdfInfo> {
  const result = await runTool('pdfinfo', ['-enc', 'UTF-8', file], {
    timeoutMs: context.toolTimeoutMs,
    signal: context.signal,
  });
  if (result.code !== 0) {
    if (/password/i.test(result.stderr)) {
      throw new PermanentParseError(
        'encrypted_pdf',
        'The PDF is password-protected; upload it without a password.',
      );
    }
    throw new PermanentParseError('corrupt_file', 'The PDF is damaged and cannot be read.');
  }
  const pages = Number(/^Pages:\s+(\d+)/m.exec(result.stdout)?.[1] ?? 'NaN');
  if (!Number.isInteger(pages))
    throw new PermanentParseError('corrupt_file', 'The PDF is damaged and cannot be read.');
  const title = /^Title:\s+(.+)$/m.exec(result.stdout)?.[1]?.trim() ?? null;
  return { pages, title: title === '' ? null : title };
}

/**
 * PDF → text per page with its page number (poppler's pdftotext, a page range per call so progress moves);
 * a page without a text layer is rendered (pdftoppm) and read by Tesseract. Without Tesseract such a page is
 * listed as failed with `ocr_unavailable` and the document ends `partial`, never silently empty.
 */
export async function parsePdf(
  file: string,
  context: ParseContext,
  progress: ParseProgress,
): Promise<{ blocks: Block[]; pageCount: number; title: string | null; failedParts: FailedPart[] }> {
  const info = await pdfInfo(file, context);
  if (info.pages > context.maxPages) {
    throw new PermanentParseError(
      'too_many_pages',
      `The PDF has ${info.pages} pages; at most ${context.maxPages} are indexed.`,
    );
  }
  const blocks: Block[] = [];
  const failedParts: FailedPart[] = [];
  const needOcr: number[] = [];
  for (let first = 1; first <= info.pages; first += PAGES_PER_CALL) {
    const last = Math.min(info.pages, first + PAGES_PER_CALL - 1);
    const result = await runTool(
      'pdftotext',
      ['-enc', 'UTF-8', '-f', String(first), '-l', String(last), file, '-'],
      { timeoutMs: context.toolTimeoutMs, signal: context.signal },
    );
    if (result.code !== 0) {
      if (/password/i.test(result.stderr)) {
        throw new PermanentParseError(
          'encrypted_pdf',
          'The PDF is password-protected; upload it without a password.',
        );
      }
      for (let page = first; page <= last; page += 1) {
        failedParts.push({
          kind: 'page',
          index: page,
          code: 'page_unreadable',
          message: 'The page could not be read.',
        });
      }
      continue;
    }
    const pages = result.stdout.split('\f');
    for (let page = first; page <= last; page += 1) {
      const text = pages[page - first] ?? '';
      if (text.replace(/\s/g, '').length < 3) needOcr.push(page);
      else blocks.push(...paragraphsOf(text, page));
    }
    await progress(last / info.pages, 'parsing');
  }
  for (const [i, page] of needOcr.entries()) {
    await progress(i / needOcr.length, 'ocr');
    if (!context.ocr.available) {
      failedParts.push({
        kind: 'page',
        index: page,
        code: 'ocr_unavailable',
        message: 'The page has no text layer and Tesseract (OCR) is not installed.',
      });
      continue;
    }
    try {
      const prefix = join(context.workDir, `page-${page}`);
      const rendered = await runTool(
        'pdftoppm',
        ['-r', '200', '-gray', '-png', '-singlefile', '-f', String(page), '-l', String(page), file, prefix],
        { timeoutMs: context.toolTimeoutMs, signal: context.signal },
      );
      if (rendered.code !== 0) throw new Error(rendered.stderr.trim().slice(0, 200));
      const text = await ocrImage(`${prefix}.png`, context.ocr, context.signal);
      const found = paragraphsOf(text, page);
      if (found.length === 0) {
        failedParts.push({
          kind: 'page',
          index: page,
          code: 'ocr_no_text',
          message: 'OCR found no text on the page.',
        });
      }
      blocks.push(...found);
    } catch (error) {
      context.signal?.throwIfAborted();
      failedParts.push({
        kind: 'page',
        index: page,
        code: 'ocr_failed',
        message: `OCR failed on this page: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
      });
    }
  }
  blocks.sort((a, b) => (a.page ?? 0) - (b.page ?? 0));
  return { blocks, pageCount: info.pages, title: info.title, failedParts };
}
