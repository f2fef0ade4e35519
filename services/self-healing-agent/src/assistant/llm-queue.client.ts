import { z } from 'zod';

const completion = z.object({ content: z.string(), model: z.string().optional() });

/** llm-queue's internal API (`/internal/llm/complete`, bearer INTERNAL_SECRET): the same queue as everyone. */
export class LlmQueueClient {
  constructor(
    private readonly baseUrl: string,
    private readonly internalSecret: string,
    private readonly timeoutMs: number,
  ) {}

  /** The model's answer, or `null` when llm-queue or its model cannot answer now. */
  async complete(
    messages: { role: 'system' | 'user'; content: string }[],
  ): Promise<{ content: string; model: string | null } | null> {
    try {
      const response = await fetch(`${this.baseUrl}/internal/llm/complete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.internalSecret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'selfhealing', priority: 'interactive', messages }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) return null;
      const parsed = completion.safeParse(await response.json());
      if (!parsed.success || parsed.data.content.trim() === '') return null;
      return { content: parsed.data.content, model: parsed.data.model ?? null };
    } catch {
      return null;
    }
  }
}
