import { z } from 'zod';

/** The Ollama model options a client may set (bounded, typed; anything else is refused). */
export const ollamaOptionsSchema = z
  .object({
    temperature: z.number().min(0).max(5),
    top_p: z.number().min(0).max(1),
    top_k: z.number().int().min(0).max(1000),
    min_p: z.number().min(0).max(1),
    num_predict: z.number().int().min(-2).max(131_072),
    num_ctx: z.number().int().min(1).max(262_144),
    seed: z.number().int(),
    stop: z.array(z.string().max(100)).max(16),
    repeat_penalty: z.number().min(0).max(5),
    repeat_last_n: z.number().int().min(-1).max(32_768),
    presence_penalty: z.number().min(-5).max(5),
    frequency_penalty: z.number().min(-5).max(5),
  })
  .partial()
  .strict();
