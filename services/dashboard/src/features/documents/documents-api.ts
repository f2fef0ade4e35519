import type { ApiClient } from '../../api/client';
import { ApiError } from '../../api/errors';

/** Shapes of the document-indexer (`/api/documents`, `/api/spaces`); see @arasul/contracts `documents.ts`. */
export type DocumentStatus =
  | 'pending'
  | 'indexing'
  | 'parsing'
  | 'ocr'
  | 'chunking'
  | 'embedding'
  | 'indexed'
  | 'partial'
  | 'failed';

export interface DocumentDto {
  id: string;
  originalName: string;
  mimeType: string | null;
  sizeBytes: number;
  spaceId: string;
  status: DocumentStatus;
  stage: string | null;
  progress: number;
  pageCount: number | null;
  chunkCount: number;
  errorCode: string | null;
  errorMessage: string | null;
  dense: 'pending' | 'ready' | 'none';
  createdAt: string;
  /** Set on the last SSE event about a deleted document. */
  deleted?: boolean;
}

export interface SpaceDto {
  id: string;
  name: string;
  slug: string;
  color: string | null;
  isDefault: boolean;
  documentCount: number;
}

export interface ChunkDto {
  id: string;
  chunkIndex: number;
  content: string;
  pageStart: number | null;
  pageEnd: number | null;
  headingPath: string[];
}

export const TRANSIENT: readonly DocumentStatus[] = [
  'pending',
  'indexing',
  'parsing',
  'ocr',
  'chunking',
  'embedding',
];

export function documentsApi(client: ApiClient) {
  return {
    list: (query: { spaceId?: string; q?: string }, signal?: AbortSignal) =>
      client.request<{ items: DocumentDto[]; nextCursor: string | null }>('/api/documents', {
        query: { limit: 200, ...query },
        signal,
      }),
    spaces: (signal?: AbortSignal) =>
      client.request<{ items: SpaceDto[] }>('/api/spaces', { signal }).then((r) => r.items),
    createSpace: (name: string) =>
      client.request<SpaceDto>('/api/spaces', { method: 'POST', body: { name } }),
    chunks: (id: string) =>
      client.request<{ items: ChunkDto[]; total: number }>(`/api/documents/${id}/chunks`, {
        query: { limit: 50 },
      }),
    reindex: (id: string) => client.request<DocumentDto>(`/api/documents/${id}/reindex`, { method: 'POST' }),
    patch: (id: string, patch: { originalName?: string; spaceId?: string }) =>
      client.request<DocumentDto>(`/api/documents/${id}`, { method: 'PATCH', body: patch }),
    remove: (id: string) => client.request<void>(`/api/documents/${id}`, { method: 'DELETE' }),
    events: (signal: AbortSignal) =>
      client.send('/api/documents/events', { headers: { Accept: 'text/event-stream' }, signal }),
    download: async (id: string, name: string) => {
      const response = await client.send(`/api/documents/${id}/download`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    /**
     * One file as multipart through XMLHttpRequest (fetch reports no upload progress). The token is made
     * fresh first by a cheap authenticated call.
     */
    upload: async (file: File, spaceId: string | undefined, onProgress: (fraction: number) => void) => {
      await client.request('/api/spaces');
      const token = client.token;
      return new Promise<DocumentDto>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/api/documents');
        if (token !== null) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) onProgress(event.loaded / event.total);
        };
        xhr.onerror = () => reject(ApiError.network(new Error('upload failed')));
        xhr.onload = () => {
          let body: unknown;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            body = undefined;
          }
          if (xhr.status === 201) {
            const created = (body as { documents: DocumentDto[] }).documents[0];
            if (created) resolve(created);
            else reject(new ApiError({ status: xhr.status, code: 'unexpected', message: 'no document' }));
            return;
          }
          const error = (
            body as { error?: { code?: string; message?: string; details?: unknown } } | undefined
          )?.error;
          reject(
            new ApiError({
              status: xhr.status,
              code: error?.code ?? 'http_error',
              message: error?.message ?? xhr.statusText,
              details: error?.details,
            }),
          );
        };
        const form = new FormData();
        if (spaceId !== undefined) form.append('spaceId', spaceId);
        form.append('file', file, file.name);
        xhr.send(form);
      });
    },
  };
}
