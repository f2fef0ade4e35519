/** A search excerpt (HTML-escaped, matches in `<mark>`) as plain text segments, so no HTML is ever injected. */
export function excerptSegments(excerpt: string): { text: string; marked: boolean }[] {
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  const out: { text: string; marked: boolean }[] = [];
  let rest = excerpt;
  for (;;) {
    const start = rest.indexOf('<mark>');
    const end = start < 0 ? -1 : rest.indexOf('</mark>', start);
    if (start < 0 || end < 0) {
      if (rest) out.push({ text: unescape(rest), marked: false });
      return out;
    }
    if (start > 0) out.push({ text: unescape(rest.slice(0, start)), marked: false });
    out.push({ text: unescape(rest.slice(start + 6, end)), marked: true });
    rest = rest.slice(end + 7);
  }
}
