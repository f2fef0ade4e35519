import { z } from 'zod';

const completion = z.object({ content: z.string() });

/** `/ask` goes through llm-queue's internal API (the one path to the model), as a batch job. */
export class LlmClient {
  constructor(
    private readonly baseUrl: string,
    private readonly internalSecret: string,
    private readonly timeoutMs: number,
  ) {}

  async ask(question: string): Promise<string> {
    const response = await fetch(new URL('/internal/llm/complete', this.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.internalSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: 'telegram',
        priority: 'batch',
        system: 'Answer briefly; the answer is read on a phone in Telegram.',
        prompt: question,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`llm-queue answered HTTP ${String(response.status)}`);
    return completion.parse(await response.json()).content;
  }
}
