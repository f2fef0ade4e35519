import type { JobDto, JobStatus } from '@arasul/contracts';
import type { JobRow } from './jobs.repository';

/** The wire shapes come from `@arasul/contracts`; this file only maps rows onto them. */
export type { JobDto };

export function jobPriority(row: Pick<JobRow, 'request'>): 'interactive' | 'batch' {
  return (row.request as { priority?: unknown }).priority === 'batch' ? 'batch' : 'interactive';
}

export function jobStatus(row: Pick<JobRow, 'status'>, backendDown: boolean): JobStatus {
  switch (row.status) {
    case 'pending':
      return backendDown ? 'backend_unavailable' : 'queued';
    case 'processing':
      return 'running';
    default:
      return row.status;
  }
}

export function toJobDto(
  row: JobRow,
  live: { content?: string; thinking?: string; position?: number; etaSeconds?: number; backendDown: boolean },
): JobDto {
  const tokens = row.completion_tokens;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    status: jobStatus(row, live.backendDown),
    model: row.model,
    source: row.source,
    kind: row.kind,
    priority: jobPriority(row),
    content: live.content ?? row.response ?? '',
    thinking: (live.thinking ?? row.thinking) || null,
    error: row.error_code ? { code: row.error_code, message: row.error ?? '' } : null,
    usage:
      row.prompt_tokens === null && tokens === null
        ? null
        : {
            promptTokens: row.prompt_tokens ?? 0,
            completionTokens: tokens ?? 0,
            totalTokens: (row.prompt_tokens ?? 0) + (tokens ?? 0),
          },
    timings: {
      loadMs: row.load_ms,
      promptEvalMs: row.prompt_eval_ms,
      evalMs: row.eval_ms,
      tokensPerSecond:
        tokens !== null && row.eval_ms !== null && row.eval_ms > 0
          ? Math.round((tokens / row.eval_ms) * 10_000) / 10
          : null,
    },
    position: live.position ?? null,
    etaSeconds: live.etaSeconds ?? null,
    recoveryCount: row.recovery_count,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
