import { memo, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n';
import { CopyButton } from '../../ui/components';
import { type Block, type Inline, parseMarkdown } from './markdown';
import { CitedText } from './Sources';

function renderInline(nodes: Inline[]): ReactNode[] {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return <CitedText key={i} text={node.text} />;
      case 'code':
        return <code key={i}>{node.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInline(node.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInline(node.children)}</em>;
      case 'del':
        return <del key={i}>{renderInline(node.children)}</del>;
      case 'link':
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(node.children)}
          </a>
        );
      case 'br':
        return <br key={i} />;
      default:
        return null;
    }
  });
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

function renderBlocks(blocks: Block[]): ReactNode[] {
  return blocks.map((block, i) => {
    switch (block.type) {
      case 'paragraph':
        return <p key={i}>{renderInline(block.children)}</p>;
      case 'heading': {
        const Tag = `h${Math.min(6, block.level + 2)}` as 'h3';
        return <Tag key={i}>{renderInline(block.children)}</Tag>;
      }
      case 'code':
        return <CodeBlock key={i} lang={block.lang} text={block.text} />;
      case 'quote':
        return <blockquote key={i}>{renderBlocks(block.children)}</blockquote>;
      case 'list': {
        const items = block.items.map((item, j) => <li key={j}>{renderBlocks(item)}</li>);
        return block.ordered ? (
          <ol key={i} start={block.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
      case 'table':
        return (
          <div key={i} className="table-scroll">
            <table>
              <thead>
                <tr>
                  {block.head.map((cell, c) => (
                    <th
                      key={c}
                      style={block.align[c] ? { textAlign: block.align[c] ?? undefined } : undefined}
                    >
                      {renderInline(cell)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {block.rows.map((row, r) => (
                  <tr key={r}>
                    {row.map((cell, c) => (
                      <td
                        key={c}
                        style={block.align[c] ? { textAlign: block.align[c] ?? undefined } : undefined}
                      >
                        {renderInline(cell)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      case 'hr':
        return <hr key={i} />;
      default:
        return null;
    }
  });
}

/** Model output as formatted text. Everything is a React element: no HTML string is ever injected. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return <div className="markdown">{renderBlocks(parseMarkdown(text))}</div>;
});
