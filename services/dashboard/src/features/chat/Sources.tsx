import { Fragment, createContext, useContext, useEffect, useRef, useState } from 'react';
import type { RagSource } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Button, ErrorNotice, Spinner } from '../../ui/components';
import { Dialog } from '../../ui/Dialog';

/** Opens source n of the answer being rendered (set around a RAG answer's text). */
export const CitationContext = createContext<{ count: number; open: (n: number) => void } | null>(null);

const CITATION = /\[(\d{1,2})\]/g;

/** Text of an answer with its `[n]` markers as buttons that open source n. */
export function CitedText({ text }: { text: string }) {
  const citations = useContext(CitationContext);
  const { t } = useI18n();
  if (!citations || !text.includes('[')) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(CITATION)) {
    const n = Number(match[1]);
    if (n < 1 || n > citations.count) continue;
    parts.push(<Fragment key={`t${String(match.index)}`}>{text.slice(last, match.index)}</Fragment>);
    parts.push(
      <a
        key={`c${String(match.index)}`}
        href={`#source-${String(n)}`}
        className="citation"
        aria-label={t('rag.openSource', { n })}
        data-testid={`citation-${String(n)}`}
        onClick={(e) => {
          e.preventDefault();
          citations.open(n);
        }}
      >
        [{n}]
      </a>,
    );
    last = match.index + match[0].length;
  }
  parts.push(<Fragment key="end">{text.slice(last)}</Fragment>);
  return <>{parts}</>;
}

function pageText(source: RagSource, t: ReturnType<typeof useI18n>['t']): string {
  if (source.page === null) return '';
  return source.pageEnd !== null && source.pageEnd !== source.page
    ? t('rag.pages', { from: source.page, to: source.pageEnd })
    : t('rag.page', { page: source.page });
}

/** The sources of a RAG answer; a click opens the document at the cited page. */
export function SourcesPanel({
  sources,
  onOpen,
}: {
  sources: RagSource[];
  onOpen: (source: RagSource) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  if (sources.length === 0) return null;
  return (
    <details className="sources" open data-testid="sources-panel">
      <summary>{t('rag.sources', { count: sources.length })}</summary>
      <ol className="sources-list">
        {sources.map((s) => (
          <li key={s.n} id={`source-${String(s.n)}`} className="source-item">
            <button
              type="button"
              className="source-open"
              onClick={() => onOpen(s)}
              data-testid={`source-${String(s.n)}`}
            >
              <span className="source-n">[{s.n}]</span> <span className="source-name">{s.name}</span>
              {s.page !== null && <span className="source-page"> · {pageText(s, t)}</span>}
            </button>
            <p className="source-excerpt">{s.excerpt}</p>
            <p className="muted small">{t('rag.score', { score: i18n.number(s.score * 100, 0) })}</p>
          </li>
        ))}
      </ol>
    </details>
  );
}

/**
 * Opening a source: a PDF in the browser's own viewer at its page (the file is fetched with the session's
 * token, so it opens as an object URL with `#page=N`); other types in a text view with the chunk marked.
 */
export function useSourceOpener() {
  const { api } = useApp();
  const [textSource, setTextSource] = useState<RagSource | null>(null);
  const [error, setError] = useState<unknown>();
  const open = async (source: RagSource) => {
    setError(undefined);
    if (source.mimeType !== 'application/pdf') {
      setTextSource(source);
      return;
    }
    // Open the tab now (a popup blocker allows it only inside the click), fill it when the file is here.
    const tab = window.open('', '_blank');
    try {
      const response = await api.documentFile(source.documentId);
      const blob = new Blob([await response.arrayBuffer()], { type: 'application/pdf' });
      const url = `${URL.createObjectURL(blob)}#page=${String(source.page ?? 1)}`;
      if (tab) tab.location.href = url;
      else window.location.href = url;
    } catch (e) {
      tab?.close();
      setError(e);
    }
  };
  const view = (
    <>
      {error !== undefined && <ErrorNotice error={error} />}
      <SourceTextDialog source={textSource} onClose={() => setTextSource(null)} />
    </>
  );
  return { open, view };
}

function SourceTextDialog({ source, onClose }: { source: RagSource | null; onClose: () => void }) {
  const { api } = useApp();
  const { t } = useI18n();
  const [chunks, setChunks] = useState<{ id: string; content: string }[] | null>(null);
  const [error, setError] = useState<unknown>();
  const marked = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!source) return;
    const controller = new AbortController();
    setChunks(null);
    setError(undefined);
    api
      .documentChunks(source.documentId, controller.signal)
      .then(setChunks)
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e);
      });
    return () => controller.abort();
  }, [api, source]);
  useEffect(() => {
    marked.current?.scrollIntoView({ block: 'center' });
  }, [chunks]);
  if (!source) return null;
  return (
    <Dialog
      open
      title={source.name}
      onClose={onClose}
      footer={
        <Button onClick={onClose} variant="primary">
          {t('rag.close')}
        </Button>
      }
    >
      <div className="source-text" data-testid="source-text">
        {error !== undefined && <ErrorNotice error={error} />}
        {!chunks && error === undefined && <Spinner label={t('common.loading')} />}
        {(chunks ?? (error !== undefined ? [{ id: source.chunkId, content: source.text }] : [])).map((c) =>
          c.id === source.chunkId ? (
            <mark key={c.id} ref={marked} className="source-chunk" data-testid="source-chunk">
              {c.content}
            </mark>
          ) : (
            <p key={c.id}>{c.content}</p>
          ),
        )}
      </div>
    </Dialog>
  );
}
