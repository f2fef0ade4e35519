import { z } from 'zod';

/**
 * THE model options a client may set, for every facade (/api/llm/chat, /ollama, /v1, internal callers):
 * each known option typed and bounded (out of bounds → 400), unknown options dropped, so no facade can
 * hand Ollama a context of a billion tokens.
 */
export const llmOptionsSchema = z
  .object({
    temperature: z.number().min(0).max(5),
    top_p: z.number().min(0).max(1),
    top_k: z.number().int().min(0).max(1000),
    min_p: z.number().min(0).max(1),
    num_predict: z.number().int().min(-2).max(131_072),
    num_ctx: z.number().int().min(1).max(262_144),
    seed: z.number().int().min(-2_147_483_648).max(4_294_967_295),
    stop: z.array(z.string().max(100)).max(16),
    repeat_penalty: z.number().min(0).max(5),
    repeat_last_n: z.number().int().min(-1).max(32_768),
    presence_penalty: z.number().min(-5).max(5),
    frequency_penalty: z.number().min(-5).max(5),
  })
  .partial()
  .strip();

export type LlmOptions = z.output<typeof llmOptionsSchema>;
