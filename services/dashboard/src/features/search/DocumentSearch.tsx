import { type SubmitEvent, useState } from 'react';
import type { RagSource, SearchHit, SearchResponse } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Button, ErrorNotice, Notice, Spinner } from '../../ui/components';
import { useSourceOpener } from '../chat/Sources';
import { excerptSegments } from './excerpt';

function asSource(hit: SearchHit, n: number): RagSource {
  return {
    n,
    documentId: hit.documentId,
    chunkId: hit.chunkId,
    name: hit.documentName,
    mimeType: hit.mimeType,
    page: hit.pageStart,
    pageEnd: hit.pageEnd,
    excerpt: hit.text,
    text: hit.text,
    score: hit.score,
  };
}

/** The search box of the documents page: the same hybrid search the chat answers from. */
export function DocumentSearch({ spaceId }: { spaceId?: string }) {
  const { api } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<SearchResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const opener = useSourceOpener();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const q = query.trim();
    if (!q) return;
    setBusy(true);
    setError(undefined);
    try {
      setResult(
        await api.searchDocuments({ query: q, ...(spaceId ? { spaceIds: [spaceId] } : {}), limit: 10 }),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="doc-search" aria-label={t('rag.search')}>
      <form className="doc-search-row" role="search" onSubmit={(e) => void submit(e)}>
        <input
          className="input"
          type="search"
          value={query}
          maxLength={2000}
          onChange={(e) => setQuery(e.target.value)}
          placeholder={t('rag.searchPlaceholder')}
          aria-label={t('rag.search')}
          data-testid="doc-search-input"
        />
        <Button
          type="submit"
          variant="primary"
          disabled={busy || !query.trim()}
          data-testid="doc-search-submit"
        >
          {t('rag.searchButton')}
        </Button>
      </form>
      {busy && <Spinner label={t('common.loading')} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {result?.mode === 'keyword_only' && <Notice kind="info">{t('rag.keywordOnly')}</Notice>}
      {result?.hits.length === 0 && <p className="muted">{t('rag.noHits')}</p>}
      {result && result.hits.length > 0 && (
        <ol className="doc-search-hits" data-testid="doc-search-hits">
          {result.hits.map((hit, i) => (
            <li key={hit.chunkId} className="source-item">
              <button
                type="button"
                className="source-open"
                onClick={() => void opener.open(asSource(hit, i + 1))}
              >
                <span className="source-name">{hit.documentName}</span>
                {hit.pageStart !== null && <span> · {t('rag.page', { page: hit.pageStart })}</span>}
              </button>
              <p className="source-excerpt">
                {excerptSegments(hit.excerpt).map((s, j) =>
                  s.marked ? <mark key={j}>{s.text}</mark> : s.text,
                )}
              </p>
              <p className="muted small">{t('rag.score', { score: i18n.number(hit.score * 100, 0) })}</p>
            </li>
          ))}
        </ol>
      )}
      {opener.view}
    </section>
  );
}
