import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nProvider } from '../../i18n/i18n';
import { parseInline, parseMarkdown } from './markdown';
import { Markdown } from './Markdown';

const html = (text: string) =>
  renderToStaticMarkup(createElement(I18nProvider, null, createElement(Markdown, { text })));

describe('parseMarkdown', () => {
  it('reads headings, paragraphs, lists, code fences, quotes, tables and rules', () => {
    const blocks = parseMarkdown(
      [
        '# Title',
        'Some **bold** and *em* text',
        'on two lines.',
        '',
        '- one',
        '- two',
        '  - nested',
        '',
        '1. first',
        '2. second',
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
    expect(blocks.map((b) => b.type)).toEqual([
      'heading',
      'paragraph',
      'list',
      'list',
      'code',
      'quote',
      'table',
      'hr',
    ]);
    expect(blocks[2]).toMatchObject({
      ordered: false,
      items: [[{ type: 'paragraph' }], [{ type: 'paragraph' }, { type: 'list' }]],
    });
    expect(blocks[3]).toMatchObject({ ordered: true, start: 1 });
    expect(blocks[4]).toEqual({ type: 'code', lang: 'ts', text: 'const x = 1;', closed: true });
    expect(blocks[6]).toMatchObject({ type: 'table', align: ['left', 'right'] });
  });

  it('shows an unclosed code fence (an answer still streaming) as code up to the end', () => {
    expect(parseMarkdown('Here:\n```python\nprint("hi")\nfor x in')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'Here:' }] },
      { type: 'code', lang: 'python', text: 'print("hi")\nfor x in', closed: false },
    ]);
  });

  it('keeps snake_case words and lone asterisks as text', () => {
    expect(parseInline('use snake_case_names and 2 * 3 * 4')).toEqual([
      { type: 'text', text: 'use snake_case_names and 2 * 3 * 4' },
    ]);
  });

  it('bounds nesting depth (no stack overflow on hostile input)', () => {
    expect(() => parseMarkdown('>'.repeat(5000) + ' deep')).not.toThrow();
    expect(() => parseInline('**'.repeat(5000))).not.toThrow();
  });
});

describe('Markdown rendering', () => {
  it('never turns model output into HTML: tags stay text', () => {
    const out = html('<script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('keeps only http(s) and mailto links, opened safely', () => {
    const out = html(
      '[ok](https://example.org/a?b=1) [bad](javascript:alert(1)) [data](data:text/html,x) see https://arasul.local/x.',
    );
    expect(out).toContain(
      '<a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer nofollow">ok</a>',
    );
    expect(out).not.toContain('javascript:');
    expect(out).not.toContain('href="data:');
    expect(out).toContain('bad');
    expect(out).toContain('<a href="https://arasul.local/x"');
  });

  it('renders code blocks with their language and inline code', () => {
    const out = html('Run `npm test`:\n\n```bash\necho "<b>"\n```');
    expect(out).toContain('<code>npm test</code>');
    expect(out).toContain('<span>bash</span>');
    expect(out).toContain('<pre><code>echo &quot;&lt;b&gt;&quot;</code></pre>');
  });
});
