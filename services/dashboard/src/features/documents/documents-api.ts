import {
  type DocumentDto,
  type DocumentPatch,
  type DocumentStatus,
  documentChunkPageSchema,
  documentDtoSchema,
  documentListSchema,
  spaceDtoSchema,
  spaceListSchema,
  uploadResultSchema,
} from '@arasul/contracts';
import type { ApiClient } from '../../api/client';
import { ApiError } from '../../api/errors';

export type { DocumentChunkDto, DocumentDto, DocumentStatus, SpaceDto } from '@arasul/contracts';

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
      client.request('/api/documents', documentListSchema, { query: { limit: 200, ...query }, signal }),
    spaces: (signal?: AbortSignal) =>
      client.request('/api/spaces', spaceListSchema, { signal }).then((r) => r.items),
    createSpace: (name: string) =>
      client.request('/api/spaces', spaceDtoSchema, { method: 'POST', body: { name } }),
    chunks: (id: string) =>
      client.request(`/api/documents/${id}/chunks`, documentChunkPageSchema, { query: { limit: 50 } }),
    reindex: (id: string) =>
      client.request(`/api/documents/${id}/reindex`, documentDtoSchema, { method: 'POST' }),
    patch: (id: string, patch: DocumentPatch) =>
      client.request(`/api/documents/${id}`, documentDtoSchema, { method: 'PATCH', body: patch }),
    remove: (id: string) => client.call(`/api/documents/${id}`, { method: 'DELETE' }),
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
      await client.call('/api/spaces');
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
            const parsed = uploadResultSchema.safeParse(body);
            const created = parsed.success ? parsed.data.documents[0] : undefined;
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
