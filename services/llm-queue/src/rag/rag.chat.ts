import type { Response } from 'express';
import type { ChatRagOption, RagSource } from '@arasul/contracts';
import type { Identity } from '@arasul/service-kit';
import type { RagAdmission } from '../jobs/jobs.service';
import { SseStream } from '../shared/sse';
import type { RagService } from './rag.service';

/** What `POST /api/llm/chat` does with a turn that uses the documents. */
export type RagTurn =
  /** Already answered (nothing found); the response has been sent. */
  | { kind: 'answered' }
  /** Admit as a `rag` job with this admission; send `events` first on the stream. */
  | { kind: 'job'; admission: RagAdmission; sources: RagSource[]; events: Record<string, unknown>[] };

/**
 * The hook of the chat route: undefined for a plain chat; otherwise retrieval runs first and either the
 * honest no-result answer is sent at once (no LLM job) or the job to admit is returned.
 */
export async function prepareRagTurn(
  rag: RagService,
  input: {
    identity: Identity;
    message: string;
    conversationId: string | undefined;
    rag: ChatRagOption | null | undefined;
    stream: boolean;
    heartbeatMs: number;
  },
  res: Response,
): Promise<RagTurn | undefined> {
  const setting = await rag.settingFor(input.identity.userId, input.rag, input.conversationId);
  if (setting === undefined) return undefined;
  const plan = await rag.plan(input.identity, input.message, setting);
  if (plan.kind === 'answer') {
    const events: Record<string, unknown>[] = [
      { type: 'sources', sources: plan.sources, marginal: plan.marginal },
    ];
    if (plan.admission.preface !== '') events.push({ type: 'token', text: plan.admission.preface });
    return { kind: 'job', admission: plan.admission, sources: plan.sources, events };
  }
  const stored = await rag.storeNoResult(input.identity.userId, input.conversationId, input.message, plan);
  const summary = { jobId: null, ...stored, model: null, status: 'completed', noResult: true };
  if (!input.stream) {
    res.status(200).json({ ...summary, content: plan.text, sources: [] });
    return { kind: 'answered' };
  }
  const stream = new SseStream(res, input.heartbeatMs, () => ({ type: 'heartbeat', jobId: null }));
  stream.send({ type: 'queued', ...summary, position: 0, etaSeconds: 0 });
  stream.send({ type: 'sources', jobId: null, sources: [], marginal: false });
  stream.send({ type: 'token', jobId: null, text: plan.text });
  stream.send({
    type: 'done',
    jobId: null,
    noResult: true,
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    timings: { totalMs: 0, loadMs: 0, promptEvalMs: 0, evalMs: 0, tokensPerSecond: null },
    doneReason: 'no_result',
  });
  stream.end();
  return { kind: 'answered' };
}
