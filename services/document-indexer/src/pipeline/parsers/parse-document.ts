import { readFile } from 'node:fs/promises';
import type { DocumentKind } from '../detect-type';
import { ocrImage } from '../ocr';
import { type ParseProgress, type ParsedDocument, paragraphsOf } from '../parsed-document';
import { decodeText } from './decode-text';
import { htmlBlocks } from './html.parser';
import { parseDocx, parseXlsx } from './office.parser';
import type { ParseContext } from './parse-context';
import { parsePdf } from './pdf.parser';
import { markdownBlocks, parseCsv, plainTextBlocks, tableBlocks } from './text.parser';

/** Parses the file (already on disk at `file`) by its detected kind. */
export async function parseDocument(
  kind: DocumentKind,
  file: string,
  context: ParseContext,
  progress: ParseProgress,
): Promise<ParsedDocument> {
  switch (kind) {
    case 'pdf':
      return parsePdf(file, context, progress);
    case 'png':
    case 'jpeg':
    case 'tiff': {
      await progress(0, 'ocr');
      if (!context.ocr.available) {
        return {
          blocks: [],
          pageCount: 1,
          title: null,
          failedParts: [
            {
              kind: 'page',
              index: 1,
              code: 'ocr_unavailable',
              message: 'The image needs OCR and Tesseract is not installed.',
            },
          ],
        };
      }
      const text = await ocrImage(file, context.ocr, context.signal);
      const blocks = paragraphsOf(text, 1);
      return {
        blocks,
        pageCount: 1,
        title: null,
        failedParts:
          blocks.length === 0
            ? [{ kind: 'page', index: 1, code: 'ocr_no_text', message: 'OCR found no text in the image.' }]
            : [],
      };
    }
    case 'docx':
      return { ...(await parseDocx(await readFile(file))), pageCount: null, title: null, failedParts: [] };
    case 'xlsx':
      return { ...(await parseXlsx(await readFile(file))), pageCount: null, title: null, failedParts: [] };
    case 'html': {
      const { blocks, title } = htmlBlocks(decodeText(await readFile(file)).text);
      return { blocks, pageCount: null, title, failedParts: [] };
    }
    case 'md':
      return {
        blocks: markdownBlocks(decodeText(await readFile(file)).text),
        pageCount: null,
        title: null,
        failedParts: [],
      };
    case 'csv':
      return {
        blocks: tableBlocks(parseCsv(decodeText(await readFile(file)).text), null),
        pageCount: null,
        title: null,
        failedParts: [],
      };
    case 'txt':
      return {
        blocks: plainTextBlocks(decodeText(await readFile(file)).text),
        pageCount: null,
        title: null,
        failedParts: [],
      };
  }
}
