import { type Block, paragraphsOf } from '../parsed-document';

/** Markdown: `#` headings (ATX) kept with their level; the rest are paragraphs. */
export function markdownBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = (): void => {
    blocks.push(...paragraphsOf(paragraph.join('\n'), null));
    paragraph = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined && heading[2] !== undefined) {
      flush();
      blocks.push({ kind: 'heading', text: heading[2], level: heading[1].length, page: null });
    } else paragraph.push(line);
  }
  flush();
  return blocks;
}

export function plainTextBlocks(text: string): Block[] {
  return paragraphsOf(text.replace(/\r\n?/g, '\n'), null);
}

/** RFC 4180 rows; the delimiter (`,` `;` or tab) is the one most frequent in the first line. */
export function parseCsv(text: string): string[][] {
  const firstLine = text.slice(0, !text.includes('\n') ? undefined : text.indexOf('\n'));
  const delimiter = [',', ';', '\t'].reduce((best, candidate) =>
    firstLine.split(candidate).length > firstLine.split(best).length ? candidate : best,
  );
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === delimiter) {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

/** A table as text: one paragraph per row, `Header: value; …`, so each row stays readable on its own. */
export function tableBlocks(rows: string[][], page: number | null): Block[] {
  const [header, ...body] = rows;
  if (!header) return [];
  if (body.length === 0) return [{ kind: 'paragraph', text: header.join('; '), level: 0, page }];
  return body.map((cells) => ({
    kind: 'paragraph' as const,
    text: cells
      .map((cell, i) => {
        const name = header[i]?.trim();
        return name ? `${name}: ${cell.trim()}` : cell.trim();
      })
      .filter((part) => part !== '' && !part.endsWith(': '))
      .join('; '),
    level: 0,
    page,
  }));
}
