import type { JobRow } from './jobs.repository';

export type JobStatusDto =
  | 'queued'
  | 'backend_unavailable'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled';

export interface JobDto {
  id: string;
  conversationId: string | null;
  status: JobStatusDto;
  model: string | null;
  source: string;
  kind: string;
  priority: 'interactive' | 'batch';
  content: string;
  thinking: string | null;
  error: { code: string; message: string } | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  timings: {
    loadMs: number | null;
    promptEvalMs: number | null;
    evalMs: number | null;
    tokensPerSecond: number | null;
  };
  position: number | null;
  etaSeconds: number | null;
  recoveryCount: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function jobPriority(row: Pick<JobRow, 'request'>): 'interactive' | 'batch' {
  return (row.request as { priority?: unknown }).priority === 'batch' ? 'batch' : 'interactive';
}

export function jobStatus(row: Pick<JobRow, 'status'>, backendDown: boolean): JobStatusDto {
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
