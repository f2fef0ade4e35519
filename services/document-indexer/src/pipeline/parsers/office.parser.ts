import type ExcelJS from 'exceljs';
import { type Block, PermanentParseError } from '../parsed-document';
import { htmlBlocks } from './html.parser';
import { tableBlocks } from './text.parser';

// mammoth and exceljs are loaded on first use: together they are ~55 MB of resident memory that an indexer
// which never sees a DOCX or XLSX should not carry.

/** DOCX → HTML (mammoth keeps the heading styles as `<h1>`…) → headings and paragraphs. */
export async function parseDocx(bytes: Buffer): Promise<{ blocks: Block[] }> {
  const { default: mammoth } = await import('mammoth');
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes })).value;
  } catch {
    throw new PermanentParseError('corrupt_file', 'The Word document is damaged and cannot be read.');
  }
  return { blocks: htmlBlocks(html).blocks };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('text' in value) return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('error' in value) return '';
    return '';
  }
  return String(value);
}

/** XLSX → one heading per sheet, then each row as `Header: value; …` (the first row is the header). */
export async function parseXlsx(bytes: Buffer): Promise<{ blocks: Block[] }> {
  const { default: excel } = await import('exceljs');
  const workbook = new excel.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new PermanentParseError('corrupt_file', 'The Excel workbook is damaged and cannot be read.');
  }
  const blocks: Block[] = [];
  workbook.eachSheet((sheet) => {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let col = 1; col <= row.cellCount; col += 1) cells.push(cellText(row.getCell(col).value));
      rows.push(cells);
    });
    if (rows.length === 0) return;
    blocks.push({ kind: 'heading', text: sheet.name, level: 1, page: null });
    blocks.push(...tableBlocks(rows, null));
  });
  return { blocks };
}
