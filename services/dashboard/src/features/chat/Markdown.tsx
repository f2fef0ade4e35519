import { memo, type ReactNode, useDeferredValue } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { useI18n } from '../../i18n/i18n';
import { CopyButton } from '../../ui/components';
import { CitedText } from './Sources';

/**
 * Model output as formatted text, through `react-markdown` (CommonMark + GFM tables, strikethrough and
 * autolinks) with a strict policy: no HTML string is ever injected — raw HTML in the answer stays visible
 * text, links keep only http, https and mailto (anything else shows as plain text), images are not loaded
 * (their alt text shows), and RAG citations `[n]` become links to the sources panel. An unclosed code
 * fence (an answer still streaming) runs to the end, as CommonMark says.
 */

interface MdNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: MdNode[];
}

/** Deeper structures than this are flattened to their text: bounded rendering on hostile input. */
const MAX_DEPTH = 32;
const CITATION = /\[(\d{1,2})\]/g;

export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? url : null;
  } catch {
    return null;
  }
}

function textOf(root: MdNode): string {
  let text = '';
  const stack = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.value !== undefined) text += node.value;
    else stack.push(...[...(node.children ?? [])].reverse());
  }
  return text;
}

/**
 * micromark nests without limit, and 5,000 nested `>` cost it about 2 s: runs of more than MAX_DEPTH
 * container markers at the start of a line are cut before parsing.
 */
const DEEP_CONTAINERS = new RegExp(
  `^((?:[ \\t]*[>*+-][ \\t]*){${MAX_DEPTH}})(?:[ \\t]*[>*+-][ \\t]*)+`,
  'gm',
);

/** remark plugin: raw HTML becomes text, and nesting deeper than MAX_DEPTH becomes its text. */
function remarkStrict() {
  return (tree: MdNode) => {
    const stack: { node: MdNode; depth: number }[] = [{ node: tree, depth: 0 }];
    for (let item = stack.pop(); item; item = stack.pop()) {
      const { node, depth } = item;
      if (node.type === 'html') node.type = 'text';
      if (!node.children) continue;
      if (depth >= MAX_DEPTH) {
        node.children = [{ type: 'text', value: textOf(node) }];
        continue;
      }
      for (const child of node.children) stack.push({ node: child, depth: depth + 1 });
    }
  };
}

/** rehype plugin: `[n]` in text (not in code or links) becomes a `cite` element, rendered by CitedText. */
function rehypeCitations() {
  const split = (node: MdNode): MdNode[] => {
    const text = node.value ?? '';
    const parts: MdNode[] = [];
    let last = 0;
    for (const match of text.matchAll(CITATION)) {
      if (match.index > last) parts.push({ type: 'text', value: text.slice(last, match.index) });
      parts.push({
        type: 'element',
        tagName: 'cite',
        properties: {},
        children: [{ type: 'text', value: match[0] }],
      });
      last = match.index + match[0].length;
    }
    if (parts.length === 0) return [node];
    if (last < text.length) parts.push({ type: 'text', value: text.slice(last) });
    return parts;
  };
  const skipped = new Set(['code', 'pre', 'a', 'cite']);
  return (tree: MdNode) => {
    const stack = [tree];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (!node.children || skipped.has(node.tagName ?? '')) continue;
      node.children = node.children.flatMap((child) => (child.type === 'text' ? split(child) : [child]));
      stack.push(...node.children);
    }
  };
}

function CodeBlock({ lang, text }: { lang: string; text: string }) {
  const { t } = useI18n();
  return (
    <div className="code-block">
      <div className="code-header">
        <span>{lang || t('chat.code')}</span>
        <CopyButton text={text} />
      </div>
      <pre>
        <code>{text}</code>
      </pre>
    </div>
  );
}

function languageOf(code: MdNode | undefined): string {
  const classes = code?.properties?.className;
  const names = Array.isArray(classes) ? classes.map(String) : [];
  return names.find((name) => name.startsWith('language-'))?.slice('language-'.length) ?? '';
}

/** Headings sit below the page's own h1/h2, so `#` becomes h3 (axe: heading order). */
const heading =
  (Tag: 'h3' | 'h4' | 'h5' | 'h6') =>
  ({ children }: { children?: ReactNode }) => <Tag>{children}</Tag>;

const components: Components = {
  h1: heading('h3'),
  h2: heading('h4'),
  h3: heading('h5'),
  h4: heading('h6'),
  h5: heading('h6'),
  h6: heading('h6'),
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ) : (
      <>{children}</>
    ),
  pre: ({ node }) => {
    const code = (node as MdNode | undefined)?.children?.find((child) => child.tagName === 'code');
    return <CodeBlock lang={languageOf(code)} text={code ? textOf(code).replace(/\n$/, '') : ''} />;
  },
  table: ({ children }) => (
    <div className="table-scroll">
      <table>{children}</table>
    </div>
  ),
  img: ({ alt }) => <>{alt}</>,
  cite: ({ children }) => <CitedText text={typeof children === 'string' ? children : ''} />,
};

const remarkPlugins = [remarkGfm, remarkStrict];
const rehypePlugins = [rehypeCitations];
const urlTransform = (url: string) => safeHref(url);

/**
 * Parsing costs about 3× the old hand-written parser (5–6 ms CPU per render of a 2 KB answer, against
 * 2 ms; docs/BENCHMARKS.md), so while an answer streams the text is deferred: React drops intermediate
 * renders instead of queueing one per token.
 */
export const Markdown = memo(function Markdown({ text: latest }: { text: string }) {
  const text = useDeferredValue(latest);
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        urlTransform={urlTransform}
        components={components}
      >
        {text.replace(DEEP_CONTAINERS, '$1')}
      </ReactMarkdown>
    </div>
  );
});
