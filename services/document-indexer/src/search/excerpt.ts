/** Excerpts for search hits: the window of a chunk with the most query terms, HTML-escaped, terms marked. */

const WORD = /[\p{L}\p{N}]+/gu;
const STOP = new Set([
  'der',
  'die',
  'das',
  'und',
  'oder',
  'ein',
  'eine',
  'einen',
  'ist',
  'sind',
  'wie',
  'was',
  'wer',
  'wann',
  'mit',
  'von',
  'für',
  'auf',
  'den',
  'dem',
  'des',
  'im',
  'in',
  'zu',
  'zum',
  'zur',
  'bei',
  'the',
  'and',
  'for',
  'what',
  'who',
  'when',
  'how',
  'are',
  'was',
  'were',
  'with',
  'from',
  'does',
  'is',
  'of',
  'to',
  'a',
]);

/** The words of a query worth marking (lower case, no stop words, at least 3 letters). */
export function queryTerms(query: string): string[] {
  const terms = (query.toLowerCase().match(WORD) ?? []).filter((w) => w.length >= 3 && !STOP.has(w));
  return [...new Set(terms)].slice(0, 32);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** A word matches a term when one starts with the other's stem (first 5 letters): "Kündigung" ~ "Kündigungsfrist". */
function matches(word: string, terms: readonly string[]): boolean {
  const w = word.toLowerCase();
  return terms.some((t) => {
    const stem = t.slice(0, Math.max(4, Math.min(t.length, 5)));
    return w.startsWith(stem) || (w.length >= 4 && t.startsWith(w));
  });
}

/**
 * Up to `size` characters of `text` around the densest cluster of query terms, with every matched word
 * wrapped in `<mark>` and everything else HTML-escaped (so the dashboard can render it as HTML safely).
 */
export function markedExcerpt(text: string, query: string, size = 300): string {
  const terms = queryTerms(query);
  const flat = text.replace(/\s+/g, ' ').trim();
  const hits: number[] = [];
  for (const m of flat.matchAll(WORD)) if (matches(m[0], terms)) hits.push(m.index);
  let start = 0;
  if (flat.length > size && hits.length > 0) {
    let bestCount = 0;
    for (const h of hits) {
      const count = hits.filter((x) => x >= h && x < h + size * 0.8).length;
      if (count > bestCount) {
        bestCount = count;
        start = h;
      }
    }
    start = Math.max(0, start - 40);
    const space = flat.lastIndexOf(' ', start);
    start = space > 0 && start - space < 20 ? space + 1 : start;
  }
  const end = Math.min(flat.length, start + size);
  const piece = flat.slice(start, end);
  let out = '';
  let last = 0;
  for (const m of piece.matchAll(WORD)) {
    if (!matches(m[0], terms)) continue;
    out += `${escapeHtml(piece.slice(last, m.index))}<mark>${escapeHtml(m[0])}</mark>`;
    last = m.index + m[0].length;
  }
  out += escapeHtml(piece.slice(last));
  return `${start > 0 ? '…' : ''}${out}${end < flat.length ? '…' : ''}`;
}
