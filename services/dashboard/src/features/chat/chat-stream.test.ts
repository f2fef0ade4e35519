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
});
