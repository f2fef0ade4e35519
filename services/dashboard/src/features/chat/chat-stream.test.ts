import type { JobStreamEvent as JobEvent } from '@arasul/contracts';
import { applyJobEvent, isFinished, newAnswer } from './chat-stream';

const fold = (events: JobEvent[]) => events.reduce(applyJobEvent, newAnswer('Hallo?', null, null));

describe('applyJobEvent', () => {
  it('follows a job from the queue to the finished answer', () => {
    const queued = fold([
      {
        type: 'queued',
        jobId: 'j1',
        conversationId: 'c1',
        userMessageId: 'u1',
        assistantMessageId: 'a1',
        model: 'qwen3:8b',
        position: 2,
        etaSeconds: 30,
        status: 'waiting',
      },
    ]);
    expect(queued).toMatchObject({
      phase: 'queued',
      jobId: 'j1',
      conversationId: 'c1',
      position: 2,
      etaSeconds: 30,
    });

    const done = fold([
      { type: 'queued', jobId: 'j1', position: 1, etaSeconds: null, status: 'waiting' },
      { type: 'model_loading', model: 'qwen3:8b', from: null, jobId: 'j1' },
      { type: 'started', model: 'qwen3:8b', jobId: 'j1' },
      { type: 'thinking', text: 'Hmm', jobId: 'j1' },
      { type: 'token', text: 'Hal', jobId: 'j1' },
      { type: 'heartbeat', jobId: 'j1' },
      { type: 'token', text: 'lo!', jobId: 'j1' },
      {
        type: 'done',
        usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
        timings: { totalMs: 10, loadMs: 1, promptEvalMs: 2, evalMs: 7, tokensPerSecond: 12.5 },
        doneReason: 'stop',
        jobId: 'j1',
      },
    ]);
    expect(done).toMatchObject({
      phase: 'done',
      content: 'Hallo!',
      thinking: 'Hmm',
      model: 'qwen3:8b',
      tokensPerSecond: 12.5,
    });
    expect(isFinished(done)).toBe(true);
  });

  it('replaces the text with the snapshot when a stream is followed again after a reload', () => {
    const resumed = fold([
      { type: 'token', text: 'stale ' },
      { type: 'snapshot', status: 'running', model: 'm', content: 'Everything so far', thinking: '' },
      { type: 'token', text: ', and more' },
    ]);
    expect(resumed).toMatchObject({ phase: 'running', content: 'Everything so far, and more' });
  });

  it('records cancellation and errors as finished, with the error code', () => {
    expect(fold([{ type: 'token', text: 'x' }, { type: 'cancelled' }])).toMatchObject({
      phase: 'cancelled',
      content: 'x',
    });
    const failed = fold([{ type: 'error', code: 'backend_unavailable', message: 'Ollama is not reachable' }]);
    expect(failed).toMatchObject({ phase: 'error', error: { code: 'backend_unavailable' } });
    expect(isFinished(failed)).toBe(true);
  });

  it('shows a waiting job as waiting for the backend when Ollama is away', () => {
    expect(
      fold([{ type: 'queued', position: 1, etaSeconds: null, status: 'backend_unavailable' }]).phase,
    ).toBe('backend_unavailable');
    expect(fold([{ type: 'backend_unavailable', reason: 'ECONNREFUSED' }]).phase).toBe('backend_unavailable');
  });

  it('keeps the sources of a RAG answer, sent before the first token, and a no-result answer without a job', () => {
    const source = {
      n: 1,
      documentId: 'd1',
      chunkId: 'k1',
      name: 'Vertrag.pdf',
      mimeType: 'application/pdf',
      page: 2,
      pageEnd: 2,
      excerpt: 'Die Kündigungsfrist …',
      text: 'Die Kündigungsfrist beträgt drei Monate.',
      score: 0.8,
    };
    const answer = fold([
      { type: 'queued', jobId: 'j1', position: 0, etaSeconds: 0, status: 'waiting' },
      { type: 'sources', jobId: 'j1', sources: [source] },
      { type: 'token', jobId: 'j1', text: 'Drei Monate [1].' },
    ]);
    expect(answer.sources).toEqual([source]);
    expect(answer.content).toBe('Drei Monate [1].');

    const none = fold([
      { type: 'queued', conversationId: 'c9', position: 0, etaSeconds: 0, status: 'waiting' },
      { type: 'sources', sources: [] },
      { type: 'token', text: 'Dazu habe ich in den Dokumenten nichts gefunden.' },
      {
        type: 'done',
        usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
        timings: { totalMs: 0, loadMs: 0, promptEvalMs: 0, evalMs: 0, tokensPerSecond: null },
        doneReason: 'no_result',
      },
    ]);
    expect(none).toMatchObject({ jobId: null, conversationId: 'c9', sources: [], phase: 'done' });
  });
});
