import { z } from 'zod';
import { readEventStream } from '@arasul/service-kit/http/event-stream';

const jobEvent = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    model: z.string().optional(),
  })
  .loose();

/**
 * llm-queue's internal API (`/internal/llm/stream`, bearer INTERNAL_SECRET): the same queue as everyone,
 * the answer's tokens handed on as they arrive.
 */
export class LlmQueueClient {
  constructor(
    private readonly baseUrl: string,
    private readonly internalSecret: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * The model's answer, or `null` when llm-queue or its model cannot answer now (or the job failed).
   * `onToken` gets each piece of text as the model writes it; `signal` (the asker left) cancels the job.
   */
  async complete(
    messages: { role: 'system' | 'user'; content: string }[],
    onToken: (text: string) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<{ content: string; model: string | null } | null> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(`${this.baseUrl}/internal/llm/stream`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.internalSecret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'selfhealing', priority: 'interactive', messages }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!response.ok || !response.body) return null;
      let content = '';
      let model: string | null = null;
      for await (const message of readEventStream(response.body)) {
        const event = jobEvent.safeParse(JSON.parse(message.data));
        if (!event.success) continue;
        const { type, text } = event.data;
        if (type === 'admitted' || type === 'started') model = event.data.model ?? model;
        else if (type === 'token' && text !== undefined) {
          content += text;
          onToken(text);
        } else if (type === 'done') return content.trim() === '' ? null : { content, model };
        else if (type === 'error' || type === 'cancelled') return null;
      }
      return null;
    } catch {
      return null;
    }
  }
}
