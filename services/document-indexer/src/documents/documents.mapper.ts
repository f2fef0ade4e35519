import { type DocumentDto, failedPartSchema } from '@arasul/contracts';
import type { Document } from '@arasul/db';
import { z } from 'zod';

const failedParts = z.array(failedPartSchema).catch([]);

/** Row → DTO (rows never leave the service). */
export function toDocumentDto(row: Document): DocumentDto {
  return {
    id: row.id,
    filename: row.filename,
    originalName: row.original_name,
    mimeType: row.mime_type,
    sizeBytes: Number(row.size_bytes),
    spaceId: row.space_id,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    pageCount: row.page_count,
    chunkCount: row.chunk_count,
    language: row.language,
    title: row.title,
    attempts: row.attempts,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    failedParts: failedParts.parse(row.failed_parts),
    dense: row.dense_status,
    contentSha256: row.content_sha256,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    indexedAt: row.indexed_at?.toISOString() ?? null,
  };
}
