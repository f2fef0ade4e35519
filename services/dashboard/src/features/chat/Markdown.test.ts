import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nProvider } from '../../i18n/i18n';
import { Markdown } from './Markdown';
import { CitationContext } from './Sources';

const html = (text: string, sources?: number) => {
  const markdown = createElement(Markdown, { text });
  const cited =
    sources === undefined
      ? markdown
      : createElement(
          CitationContext.Provider,
          { value: { count: sources, open: () => undefined } },
          markdown,
        );
  return renderToStaticMarkup(createElement(I18nProvider, null, cited));
};

describe('Markdown', () => {
  it('renders headings (below the page headings), paragraphs, lists, code, quotes, tables and rules', () => {
    const out = html(
      [
        '# Title',
        'Some **bold** and *em* text and ~~gone~~',
        'on two lines.',
        '',
        '- one',
        '- two',
        '  - nested',
        '',
        '3. third',
        '4. fourth',
        '',
        '```ts',
        'const x = 1;',
        '```',
        '> quoted',
        '',
        '| a | b |',
        '|:--|--:|',
        '| 1 | 2 |',
        '',
        '---',
      ].join('\n'),
    );
    expect(out).toContain('<h3>Title</h3>');
    expect(out).toContain('<strong>bold</strong> and <em>em</em> text and <del>gone</del>');
    expect(out).toMatch(
      /<ul>\s*<li>one<\/li>\s*<li>two\s*<ul>\s*<li>nested<\/li>\s*<\/ul>\s*<\/li>\s*<\/ul>/,
    );
    expect(out).toMatch(/<ol start="3">\s*<li>third<\/li>/);
    expect(out).toContain('<span>ts</span>');
    expect(out).toContain('<pre><code>const x = 1;</code></pre>');
    expect(out).toMatch(/<blockquote>\s*<p>quoted<\/p>\s*<\/blockquote>/);
    expect(out).toContain('<div class="table-scroll"><table>');
    expect(out).toContain('<th style="text-align:left">a</th>');
    expect(out).toContain('<td style="text-align:right">2</td>');
    expect(out).toContain('<hr/>');
  });

  it('shows an unclosed code fence (an answer still streaming) as code up to the end', () => {
    const out = html('Here:\n```python\nprint("hi")\nfor x in');
    expect(out).toContain('<p>Here:</p>');
    expect(out).toContain('<span>python</span>');
    expect(out).toContain('<pre><code>print(&quot;hi&quot;)\nfor x in</code></pre>');
  });

  it('keeps snake_case words and lone asterisks as text', () => {
    expect(html('use snake_case_names and 2 * 3 * 4')).toBe(
      '<div class="markdown"><p>use snake_case_names and 2 * 3 * 4</p></div>',
    );
  });

  it('bounds nesting depth (no stack overflow on hostile input)', () => {
    expect(html('>'.repeat(5000) + ' deep')).toContain('deep');
    expect(() => html('**'.repeat(5000))).not.toThrow();
    expect(() => html('- '.repeat(3000) + 'x')).not.toThrow();
  });

  it('never turns model output into HTML: tags stay text', () => {
    const out = html('<script>alert(1)</script> <img src=x onerror=alert(1)>\n\nand <b>inline</b> too');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<b>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;b&gt;inline&lt;/b&gt;');
  });

  it('keeps only http(s) and mailto links, opened safely; images are not loaded', () => {
    const out = html(
      '[ok](https://example.org/a?b=1) [bad](javascript:alert(1)) [data](data:text/html,x) see https://arasul.local/x. ![tracker](https://evil.example/p.gif) [mail](mailto:a@b.example)',
    );
    expect(out).toContain(
      '<a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer nofollow">ok</a>',
    );
    expect(out).not.toContain('javascript:');
    expect(out).not.toContain('href="data:');
    expect(out).toContain('bad');
    expect(out).toContain(
      '<a href="https://arasul.local/x" target="_blank" rel="noopener noreferrer nofollow">',
    );
    expect(out).not.toContain('evil.example');
    expect(out).toContain('tracker');
    expect(out).toContain('href="mailto:a@b.example"');
  });

  it('renders code blocks with their language and inline code', () => {
    const out = html('Run `npm test`:\n\n```bash\necho "<b>"\n```');
    expect(out).toContain('<code>npm test</code>');
    expect(out).toContain('<span>bash</span>');
    expect(out).toContain('<pre><code>echo &quot;&lt;b&gt;&quot;</code></pre>');
  });

  it('turns [n] of a RAG answer into links to its sources, but not in code, not beyond the sources, not without any', () => {
    const out = html('Paris [1], **Lyon [2]** and [7].\n\n`x[1]`', 2);
    expect(out).toContain('href="#source-1"');
    expect(out).toContain('data-testid="citation-2"');
    expect(out).toContain('<strong>Lyon <a');
    expect(out).not.toContain('citation-7');
    expect(out).toContain('[7]');
    expect(out).toContain('<code>x[1]</code>');
    expect(html('Paris [1].')).not.toContain('citation-1');
  });
});
