/**
 * A small Markdown parser for model answers: it produces a tree that Markdown.tsx renders as React
 * elements, so text is always escaped by React and no HTML from the model ever reaches the page (raw
 * HTML in the input stays visible text). Links are kept only for http, https and mailto.
 *
 * Blocks: paragraphs, ATX headings, fenced code (an unclosed fence runs to the end — the normal state of
 * an answer still streaming), block quotes, bullet and numbered lists (nested by indentation), tables,
 * thematic breaks. Inline: code spans, strong, emphasis, strikethrough, links, bare URLs, line breaks.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong' | 'em' | 'del'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'br' };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'heading'; level: number; children: Inline[] }
  | { type: 'code'; lang: string; text: string; closed: boolean }
  | { type: 'quote'; children: Block[] }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] }
  | { type: 'hr' };

const MAX_DEPTH = 8;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const HR = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( {0,12})([-*+]|\d{1,9}[.)])(\s+|$)(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? url : null;
  } catch {
    return null;
  }
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    HR.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line) ||
    (line.includes('|') && next !== undefined && TABLE_SEPARATOR.test(next) && next.includes('-'))
  );
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i += 1) {
    if (row[i] === '\\' && row[i + 1] === '|') {
      cell += '|';
      i += 1;
    } else if (row[i] === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += row[i] ?? '';
    }
  }
  cells.push(cell.trim());
  return cells;
}

export function parseMarkdown(source: string, depth = 0): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      i += 1;
      continue;
    }

    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] ?? '```';
      const close = new RegExp(`^ {0,3}${marker.startsWith('`') ? '`' : '~'}{${marker.length},}\\s*$`);
      const body: string[] = [];
      let closed = false;
      i += 1;
      while (i < lines.length) {
        const current = lines[i] ?? '';
        i += 1;
        if (close.test(current)) {
          closed = true;
          break;
        }
        body.push(current);
      }
      blocks.push({ type: 'code', lang: fence[2] ?? '', text: body.join('\n'), closed });
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({
        type: 'heading',
        level: (heading[1] ?? '#').length,
        children: parseInline(heading[2] ?? ''),
      });
      i += 1;
      continue;
    }

    if (HR.test(line)) {
      blocks.push({ type: 'hr' });
      i += 1;
      continue;
    }

    if (QUOTE.test(line) && depth < MAX_DEPTH) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? '')) {
        inner.push((lines[i] ?? '').replace(QUOTE, ''));
        i += 1;
      }
      blocks.push({ type: 'quote', children: parseMarkdown(inner.join('\n'), depth + 1) });
      continue;
    }

    const item = LIST_ITEM.exec(line);
    if (item && depth < MAX_DEPTH) {
      const indent = (item[1] ?? '').length;
      const ordered = /\d/.test(item[2] ?? '');
      const items: string[][] = [];
      while (i < lines.length) {
        const current = lines[i] ?? '';
        const match = LIST_ITEM.exec(current);
        if (match && (match[1] ?? '').length <= indent + 1 && /\d/.test(match[2] ?? '') === ordered) {
          items.push([match[4] ?? '']);
          i += 1;
          continue;
        }
        if (match && (match[1] ?? '').length <= indent + 1) break; // the other kind of list starts
        if (current.trim() === '') {
          // A blank line ends the list unless the next line continues the item (indented).
          const next = lines[i + 1] ?? '';
          if (next.trim() !== '' && /^\s/.test(next) && next.search(/\S/) > indent) {
            items[items.length - 1]?.push('');
            i += 1;
            continue;
          }
          break;
        }
        const itemIndent = current.search(/\S/);
        if (itemIndent > indent || !startsBlock(current, lines[i + 1])) {
          items[items.length - 1]?.push(
            itemIndent > indent ? current.slice(Math.min(itemIndent, indent + 2)) : current,
          );
          i += 1;
          continue;
        }
        break;
      }
      const start = ordered ? Number.parseInt(item[2] ?? '1', 10) : 1;
      blocks.push({
        type: 'list',
        ordered,
        start: Number.isFinite(start) ? start : 1,
        items: items.map((text) => parseMarkdown(text.join('\n'), depth + 1)),
      });
      continue;
    }

    const next = lines[i + 1];
    if (line.includes('|') && next !== undefined && TABLE_SEPARATOR.test(next) && next.includes('-')) {
      const head = splitRow(line);
      const align = splitRow(next).map((cell): Align => {
        const left = cell.startsWith(':');
        const right = cell.endsWith(':');
        return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
      });
      const rows: Inline[][][] = [];
      i += 2;
      while (i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim() !== '') {
        const cells = splitRow(lines[i] ?? '');
        rows.push(head.map((_, c) => parseInline(cells[c] ?? '')));
        i += 1;
      }
      blocks.push({
        type: 'table',
        align: head.map((_, c) => align[c] ?? null),
        head: head.map((h) => parseInline(h)),
        rows,
      });
      continue;
    }

    const paragraph: string[] = [line.trim()];
    i += 1;
    while (i < lines.length) {
      const current = lines[i] ?? '';
      if (current.trim() === '' || startsBlock(current, lines[i + 1])) break;
      paragraph.push(current.trim());
      i += 1;
    }
    blocks.push({ type: 'paragraph', children: parseInline(paragraph.join('\n')) });
  }
  return blocks;
}

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!~|>]/;
const URL_START = /^https?:\/\/[^\s<>"]+/;

export function parseInline(text: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer) out.push({ type: 'text', text: buffer });
    buffer = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    const rest = () => text.slice(i);

    if (ch === '\\' && ESCAPABLE.test(text[i + 1] ?? '')) {
      buffer += text[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (ch === '\n') {
      flush();
      out.push({ type: 'br' });
      i += 1;
      continue;
    }
    if (ch === '`') {
      const match = /^(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/.exec(rest());
      if (match) {
        flush();
        out.push({ type: 'code', text: (match[2] ?? '').replace(/\n/g, ' ') });
        i += match[0].length;
        continue;
      }
    }
    if (depth < MAX_DEPTH) {
      const pair = text.slice(i, i + 2);
      if (pair === '**' || pair === '__' || pair === '~~') {
        const end = text.indexOf(pair, i + 2);
        if (end > i + 2 && text[i + 2] !== ' ') {
          flush();
          out.push({
            type: pair === '~~' ? 'del' : 'strong',
            children: parseInline(text.slice(i + 2, end), depth + 1),
          });
          i = end + 2;
          continue;
        }
      }
      if (
        (ch === '*' || ch === '_') &&
        text[i + 1] !== ch &&
        text[i + 1] !== ' ' &&
        text[i + 1] !== undefined
      ) {
        const wordBefore = i > 0 && /[\p{L}\p{N}]/u.test(text[i - 1] ?? '');
        if (!(ch === '_' && wordBefore)) {
          let end = i + 1;
          for (;;) {
            end = text.indexOf(ch, end);
            if (end === -1 || text[end + 1] !== ch) break;
            end += 2;
          }
          const wordAfter = ch === '_' && /[\p{L}\p{N}]/u.test(text[end + 1] ?? '');
          if (end > i + 1 && text[end - 1] !== ' ' && !wordAfter) {
            flush();
            out.push({ type: 'em', children: parseInline(text.slice(i + 1, end), depth + 1) });
            i = end + 1;
            continue;
          }
        }
      }
      if (ch === '[') {
        const match = /^\[([^\]\n]*)\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"\n]*")?\s*\)/.exec(rest());
        if (match) {
          flush();
          const href = safeHref(match[2] ?? '');
          const children = parseInline(match[1] ?? '', depth + 1);
          if (href) out.push({ type: 'link', href, children });
          else out.push(...children);
          i += match[0].length;
          continue;
        }
      }
    }
    if ((ch === 'h' || ch === 'H') && (i === 0 || /[\s(]/.test(text[i - 1] ?? ''))) {
      const match = URL_START.exec(rest());
      if (match) {
        const url = match[0].replace(/[.,;:!?)\]]+$/, '');
        if (safeHref(url)) {
          flush();
          out.push({ type: 'link', href: url, children: [{ type: 'text', text: url }] });
          i += url.length;
          continue;
        }
      }
    }
    buffer += ch;
    i += 1;
  }
  flush();
  return out;
}
