import { type DragEvent, type SubmitEvent, useEffect, useMemo, useRef, useState, useCallback } from 'react';
import { readSse } from '../../api/sse';
import { hasRole, useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorNotice,
  Field,
  TextInput,
  useErrorText,
} from '../../ui/components';
import { DataTable } from '../../ui/DataTable';
import { ConfirmDialog, Dialog } from '../../ui/Dialog';
import { useLoad } from '../../ui/hooks';
import { DocumentSearch } from '../search/DocumentSearch';
import { documentChangeEventSchema } from '@arasul/contracts';
import {
  type DocumentChunkDto,
  type DocumentDto,
  type SpaceDto,
  TRANSIENT,
  documentsApi,
} from './documents-api';

const TONE = {
  indexed: 'ok',
  partial: 'warn',
  failed: 'bad',
} as const;

interface UploadItem {
  key: string;
  name: string;
  progress: number;
  state: 'uploading' | 'done' | 'error';
  error?: string;
}

function formatSize(bytes: number, number: (value: number, digits?: number) => string): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${number(bytes / 1024, 0)} KB`;
  return `${number(bytes / (1024 * 1024), 1)} MB`;
}

/** "Dokumente": upload, live status of every file, rename/move, delete, download, chunk preview. */
export default function DocumentsPage() {
  const { client, user } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const errorText = useErrorText();
  const docs = useMemo(() => documentsApi(client), [client]);
  const canWrite = hasRole(user, 'operator');

  const [filterSpace, setFilterSpace] = useState('');
  const [targetSpace, setTargetSpace] = useState('');
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<Map<string, DocumentDto>>(new Map());
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [confirmDelete, setConfirmDelete] = useState<DocumentDto | null>(null);
  const [editing, setEditing] = useState<DocumentDto | null>(null);
  const [preview, setPreview] = useState<{ doc: DocumentDto; chunks: DocumentChunkDto[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const spaces = useLoad(useCallback((signal: AbortSignal) => docs.spaces(signal), [docs]));
  const list = useLoad(
    useCallback(
      (signal: AbortSignal) =>
        docs.list(
          { ...(filterSpace ? { spaceId: filterSpace } : {}), ...(query ? { q: query } : {}) },
          signal,
        ),
      [docs, filterSpace, query],
    ),
    30_000,
  );
  useEffect(() => {
    if (list.data) setRows(new Map(list.data.items.map((d) => [d.id, d])));
  }, [list.data]);

  // Live status: every change arrives over SSE; the list reload above is only the safety net.
  useEffect(() => {
    const controller = new AbortController();
    const connect = async () => {
      while (!controller.signal.aborted) {
        try {
          const response = await docs.events(controller.signal);
          await readSse(
            response,
            (event) => {
              if (event.event !== 'document') return;
              const parsed = documentChangeEventSchema.safeParse(JSON.parse(event.data));
              if (!parsed.success) return;
              const doc = parsed.data;
              setRows((current) => {
                const next = new Map(current);
                if (doc.deleted) next.delete(doc.id);
                else if (!filterSpace || doc.spaceId === filterSpace) next.set(doc.id, doc);
                return next;
              });
            },
            controller.signal,
          );
        } catch {
          // reconnect below
        }
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    };
    void connect();
    return () => controller.abort();
  }, [docs, filterSpace]);

  const spaceName = (id: string) => spaces.data?.find((s) => s.id === id)?.name ?? '–';
  const sorted = [...rows.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  const startUploads = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = `${file.name}-${Date.now()}-${Math.random()}`;
      setUploads((u) => [...u, { key, name: file.name, progress: 0, state: 'uploading' }]);
      const update = (patch: Partial<UploadItem>) =>
        setUploads((u) => u.map((item) => (item.key === key ? { ...item, ...patch } : item)));
      docs
        .upload(file, targetSpace || undefined, (progress) => update({ progress }))
        .then((doc) => {
          update({ state: 'done', progress: 1 });
          setRows((current) => new Map(current).set(doc.id, doc));
        })
        .catch((error: unknown) => update({ state: 'error', error: errorText(error) }));
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length > 0) startUploads(event.dataTransfer.files);
  };

  const act = async (id: string, task: () => Promise<unknown>) => {
    setBusy(id);
    setActionError(undefined);
    try {
      await task();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="stack">
      <div className="page-header">
        <h1>{t('documents.title')}</h1>
      </div>

      <DocumentSearch {...(filterSpace ? { spaceId: filterSpace } : {})} />

      {canWrite && (
        <Card title={t('documents.upload')}>
          <div
            className={`dropzone${dragging ? ' dragging' : ''}`}
            data-testid="dropzone"
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
          >
            <p>{t('documents.dropHint')}</p>
            <div className="dropzone-controls">
              <Field label={t('documents.targetSpace')}>
                {(p) => (
                  <select
                    {...p}
                    className="input"
                    value={targetSpace}
                    onChange={(e) => setTargetSpace(e.target.value)}
                    data-testid="target-space"
                  >
                    <option value="">{t('documents.defaultSpace')}</option>
                    {spaces.data?.map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Button variant="primary" onClick={() => fileInput.current?.click()}>
                {t('documents.choose')}
              </Button>
              <input
                ref={fileInput}
                type="file"
                multiple
                className="visually-hidden"
                tabIndex={-1}
                aria-label={t('documents.choose')}
                data-testid="file-input"
                accept=".pdf,.docx,.xlsx,.txt,.md,.csv,.html,.htm,.png,.jpg,.jpeg,.tif,.tiff"
                onChange={(e) => {
                  if (e.target.files) startUploads(e.target.files);
                  e.target.value = '';
                }}
              />
            </div>
            <p className="muted small">{t('documents.types')}</p>
          </div>
          {uploads.length > 0 && (
            <ul className="upload-list" data-testid="uploads">
              {uploads.map((u) => (
                <li key={u.key}>
                  <span className="upload-name">{u.name}</span>
                  <progress
                    value={u.progress}
                    max={1}
                    aria-label={t('documents.uploadProgress', { name: u.name })}
                  />
                  {u.state === 'done' && <Badge tone="ok">{t('documents.uploaded')}</Badge>}
                  {u.state === 'error' && <span className="field-error">{u.error}</span>}
                </li>
              ))}
            </ul>
          )}
          <NewSpace onCreated={spaces.reload} create={docs.createSpace} />
        </Card>
      )}

      <Card
        title={t('documents.list')}
        actions={
          <div className="filters">
            <select
              className="input input-small"
              aria-label={t('documents.filterSpace')}
              value={filterSpace}
              onChange={(e) => setFilterSpace(e.target.value)}
              data-testid="filter-space"
            >
              <option value="">{t('documents.allSpaces')}</option>
              {spaces.data?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <TextInput
              className="input input-small"
              type="search"
              aria-label={t('documents.search')}
              placeholder={t('documents.search')}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
          </div>
        }
      >
        {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {actionError !== undefined && <ErrorNotice error={actionError} />}
        {sorted.length === 0 && !list.loading ? (
          <EmptyState title={t('documents.empty')} />
        ) : (
          <DataTable
            rows={sorted}
            rowKey={(d) => d.id}
            rowData={(d) => ({
              'data-testid': 'document-row',
              'data-status': d.status,
              'data-name': d.originalName,
            })}
            testId="documents"
            label={t('documents.list')}
            columns={[
              { key: 'name', header: t('documents.name'), cell: (d) => <strong>{d.originalName}</strong> },
              {
                key: 'status',
                header: t('documents.status'),
                cell: (d) => (
                  <>
                    <Badge tone={d.status in TONE ? TONE[d.status as keyof typeof TONE] : 'info'}>
                      {i18n.tx(`documents.status.${d.status}`)}
                    </Badge>
                    {TRANSIENT.includes(d.status) && (
                      <progress
                        value={d.progress}
                        max={100}
                        aria-label={t('documents.progressOf', { name: d.originalName })}
                      />
                    )}
                    {d.dense === 'pending' && d.status === 'indexed' && (
                      <div className="muted small">{t('documents.keywordOnly')}</div>
                    )}
                    {d.errorMessage && d.status !== 'pending' && (
                      <div className="muted small" data-testid="document-error">
                        {d.errorMessage}
                      </div>
                    )}
                  </>
                ),
              },
              { key: 'pages', header: t('documents.pages'), cell: (d) => d.pageCount ?? '–' },
              { key: 'chunks', header: t('documents.chunks'), cell: (d) => d.chunkCount },
              { key: 'size', header: t('documents.size'), cell: (d) => formatSize(d.sizeBytes, i18n.number) },
              { key: 'space', header: t('documents.space'), cell: (d) => spaceName(d.spaceId) },
              {
                key: 'actions',
                header: t('common.actions'),
                headerHidden: true,
                className: 'actions',
                cell: (d) => (
                  <>
                    <Button
                      className="btn-small"
                      onClick={() =>
                        void act(d.id, async () =>
                          setPreview({ doc: d, chunks: (await docs.chunks(d.id)).items }),
                        )
                      }
                    >
                      {t('documents.preview')}
                    </Button>
                    <Button
                      className="btn-small"
                      onClick={() => void act(d.id, () => docs.download(d.id, d.originalName))}
                    >
                      {t('documents.download')}
                    </Button>
                    {canWrite && d.status === 'failed' && (
                      <Button
                        className="btn-small"
                        busy={busy === d.id}
                        onClick={() => void act(d.id, () => docs.reindex(d.id))}
                      >
                        {t('documents.retry')}
                      </Button>
                    )}
                    {canWrite && (
                      <Button className="btn-small" onClick={() => setEditing(d)}>
                        {t('documents.edit')}
                      </Button>
                    )}
                    {canWrite && (
                      <Button
                        className="btn-small"
                        variant="danger"
                        data-testid="delete-document"
                        aria-label={t('documents.deleteNamed', { name: d.originalName })}
                        onClick={() => setConfirmDelete(d)}
                      >
                        {t('documents.delete')}
                      </Button>
                    )}
                  </>
                ),
              },
            ]}
          />
        )}
      </Card>

      <ConfirmDialog
        open={confirmDelete !== null}
        title={t('documents.deleteTitle')}
        message={t('documents.deleteMessage', { name: confirmDelete?.originalName ?? '' })}
        confirmLabel={t('documents.delete')}
        busy={busy === confirmDelete?.id}
        onCancel={() => setConfirmDelete(null)}
        onConfirm={() => {
          const target = confirmDelete;
          if (!target) return;
          void act(target.id, async () => {
            await docs.remove(target.id);
            setRows((current) => {
              const next = new Map(current);
              next.delete(target.id);
              return next;
            });
          }).finally(() => setConfirmDelete(null));
        }}
      />

      {editing && (
        <EditDialog
          doc={editing}
          spaces={spaces.data ?? []}
          onClose={() => setEditing(null)}
          onSave={async (patch) => {
            const updated = await docs.patch(editing.id, patch);
            setRows((current) => new Map(current).set(updated.id, updated));
            setEditing(null);
          }}
        />
      )}

      <Dialog
        open={preview !== null}
        title={t('documents.previewTitle', { name: preview?.doc.originalName ?? '' })}
        onClose={() => setPreview(null)}
      >
        <ol className="chunk-list" data-testid="chunk-preview">
          {preview?.chunks.map((c) => (
            <li key={c.id}>
              <div className="muted small">
                {c.headingPath.join(' › ')}
                {c.pageStart !== null &&
                  ` · ${t('documents.pageRange', { from: c.pageStart, to: c.pageEnd ?? c.pageStart })}`}
              </div>
              <p>{c.content}</p>
            </li>
          ))}
        </ol>
        {preview?.chunks.length === 0 && <p className="muted">{t('documents.noChunks')}</p>}
      </Dialog>
    </div>
  );
}

function NewSpace({
  create,
  onCreated,
}: {
  create: (name: string) => Promise<SpaceDto>;
  onCreated: () => void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await create(name.trim());
      setName('');
      onCreated();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)}>
      <Field label={t('documents.newSpace')}>
        {(p) => <TextInput {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />}
      </Field>
      <Button type="submit" busy={busy} disabled={name.trim() === ''}>
        {t('documents.createSpace')}
      </Button>
      {error !== undefined && <ErrorNotice error={error} />}
    </form>
  );
}

function EditDialog({
  doc,
  spaces,
  onClose,
  onSave,
}: {
  doc: DocumentDto;
  spaces: SpaceDto[];
  onClose: () => void;
  onSave: (patch: { originalName?: string; spaceId?: string }) => Promise<void>;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(doc.originalName);
  const [spaceId, setSpaceId] = useState(doc.spaceId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onSave({
        ...(name.trim() !== doc.originalName ? { originalName: name.trim() } : {}),
        ...(spaceId !== doc.spaceId ? { spaceId } : {}),
      });
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      title={t('documents.editTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            variant="primary"
            busy={busy}
            disabled={name.trim() === '' || (name.trim() === doc.originalName && spaceId === doc.spaceId)}
            onClick={() => void save()}
          >
            {t('documents.save')}
          </Button>
        </>
      }
    >
      <Field label={t('documents.name')}>
        {(p) => <TextInput {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={255} />}
      </Field>
      <Field label={t('documents.space')}>
        {(p) => (
          <select {...p} className="input" value={spaceId} onChange={(e) => setSpaceId(e.target.value)}>
            {spaces.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {error !== undefined && <ErrorNotice error={error} />}
    </Dialog>
  );
}
