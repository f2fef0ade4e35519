import type { EventPayloadInput } from '@arasul/contracts';
import type { GenerationResult } from '../clients/ollama.client';
import type { JobEvent, JobResultExtras, Timings } from './job-events';
import type { FinishRow, JobRow, StopReason } from './scheduler.port';

/** How one run of a job ended. */
export type Outcome =
  | { kind: 'completed'; result: GenerationResult | null; extras: JobResultExtras }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'cancelled' }
  | { kind: 'requeue'; reason: string; backendDown: boolean }
  | { kind: 'abandon' };

export type FinalOutcome = Exclude<Outcome, { kind: 'requeue' | 'abandon' }>;

/** Largest answer kept for one job; a model that runs away is stopped there. */
export const MAX_OUTPUT_CHARS = 2_000_000;

/** The error code of a job the box stopped to protect itself (heat, a hung GPU). */
export const STOPPED_BY_SYSTEM = 'stopped_by_system';

/** What the text of a run is when it ends. */
export interface RunText {
  content: string;
  thinking: string;
  chunks: number;
}

/** The outcome of a run stopped from outside, by the first reason given. */
export function stoppedOutcome(
  reason: StopReason | null,
  inactivityMs: number,
  message: string | null = null,
): Outcome {
  switch (reason) {
    case 'system':
      return {
        kind: 'failed',
        code: STOPPED_BY_SYSTEM,
        message: `The box stopped this job to protect itself: ${message ?? 'no reason given'}`,
      };
    case 'paused':
      return { kind: 'requeue', reason: 'batch work is paused', backendDown: false };
    case 'crash':
      return { kind: 'abandon' };
    case 'shutdown':
      return { kind: 'requeue', reason: 'the service is shutting down', backendDown: false };
    case 'inactivity':
      return {
        kind: 'failed',
        code: 'inactivity_timeout',
        message: `The model produced nothing for ${Math.round(inactivityMs / 1000)} s.`,
      };
    case 'output_limit':
      return {
        kind: 'failed',
        code: 'output_too_large',
        message: `The answer exceeded ${MAX_OUTPUT_CHARS} characters and was stopped.`,
      };
    default:
      return { kind: 'cancelled' };
  }
}

/** The row written once a run ended for good. */
export function finishRowOf(outcome: FinalOutcome, text: RunText): FinishRow {
  const result = outcome.kind === 'completed' ? outcome.result : null;
  return {
    status: outcome.kind,
    response: text.content,
    thinking: text.thinking,
    errorCode: outcome.kind === 'failed' ? outcome.code : null,
    error: outcome.kind === 'failed' ? outcome.message.slice(0, 4000) : null,
    promptTokens: result?.promptTokens ?? null,
    completionTokens: result?.completionTokens ?? (outcome.kind === 'completed' ? text.chunks : null),
    promptEvalMs: result?.promptEvalMs ?? null,
    evalMs: result?.evalMs ?? null,
    loadMs: result?.loadMs ?? null,
    doneReason: result?.doneReason ?? null,
  };
}

/** Tokens of a finished generation: Ollama's count, else the chunks we saw. */
export function completionTokensOf(outcome: FinalOutcome, text: RunText): number {
  const counted = outcome.kind === 'completed' ? (outcome.result?.completionTokens ?? 0) : 0;
  return counted > 0 ? counted : text.chunks;
}

/** The terminal event listeners get. */
export function terminalEventOf(outcome: FinalOutcome, text: RunText, durationMs: number): JobEvent {
  if (outcome.kind === 'failed') return { type: 'error', code: outcome.code, message: outcome.message };
  if (outcome.kind === 'cancelled') return { type: 'cancelled' };
  const result = outcome.result;
  const completionTokens = completionTokensOf(outcome, text);
  const timings: Timings = {
    totalMs: durationMs,
    loadMs: result?.loadMs ?? 0,
    promptEvalMs: result?.promptEvalMs ?? 0,
    evalMs: result?.evalMs ?? 0,
    tokensPerSecond:
      result && result.evalMs > 0 && completionTokens > 0
        ? Math.round((completionTokens / result.evalMs) * 10_000) / 10
        : null,
  };
  return {
    type: 'done',
    usage: {
      promptTokens: result?.promptTokens ?? 0,
      completionTokens,
      totalTokens: (result?.promptTokens ?? 0) + completionTokens,
    },
    timings,
    doneReason: result?.doneReason ?? null,
  };
}

/** The `llm.job.finished` fact for the bus. */
export function finishedFactOf(
  job: JobRow,
  outcome: FinalOutcome,
  text: RunText,
  durationMs: number,
): EventPayloadInput<'llm.job.finished'> {
  const result = outcome.kind === 'completed' ? outcome.result : null;
  return {
    jobId: job.id,
    model: job.model === null || job.model === '' ? 'unknown' : job.model,
    outcome: outcome.kind,
    promptTokens: result?.promptTokens ?? 0,
    completionTokens: outcome.kind === 'completed' ? completionTokensOf(outcome, text) : text.chunks,
    durationMs,
    source: job.source,
    ...(outcome.kind === 'failed' ? { error: outcome.message.slice(0, 4000) } : {}),
  };
}
