import { Parser } from 'htmlparser2';
import type { Block } from '../parsed-document';

const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'iframe', 'object']);
const BLOCKS = new Set([
  'p',
  'div',
  'li',
  'td',
  'th',
  'tr',
  'br',
  'section',
  'article',
  'blockquote',
  'pre',
  'table',
  'ul',
  'ol',
  'dd',
  'dt',
  'header',
  'footer',
  'main',
  'aside',
  'nav',
  'figcaption',
  'caption',
  'hr',
  'body',
]);

/** HTML → headings and paragraphs: scripts, styles and the like dropped; `<h1>`–`<h6>` kept as headings. */
export function htmlBlocks(html: string): { blocks: Block[]; title: string | null } {
  const blocks: Block[] = [];
  let dropDepth = 0;
  let heading: number | null = null;
  let inTitle = false;
  let title = '';
  let buffer = '';

  const flush = (): void => {
    const text = buffer.replace(/\s+/g, ' ').trim();
    buffer = '';
    if (text === '') return;
    if (heading === null) blocks.push({ kind: 'paragraph', text, level: 0, page: null });
    else blocks.push({ kind: 'heading', text, level: heading, page: null });
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        if (DROPPED.has(name)) {
          dropDepth += 1;
          return;
        }
        const level = /^h([1-6])$/.exec(name)?.[1];
        if (level !== undefined) {
          flush();
          heading = Number(level);
        } else if (BLOCKS.has(name)) flush();
      },
      ontext(text) {
        if (inTitle) title += text;
        if (dropDepth > 0) return;
        buffer += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (DROPPED.has(name)) {
          dropDepth = Math.max(0, dropDepth - 1);
          return;
        }
        if (/^h[1-6]$/.test(name)) {
          flush();
          heading = null;
        } else if (BLOCKS.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  flush();
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  return { blocks, title: cleanTitle === '' ? null : cleanTitle };
}
