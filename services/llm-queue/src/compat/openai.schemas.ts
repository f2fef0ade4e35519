import { chatRagOptionSchema } from '@arasul/contracts';
import { z } from 'zod';

/** The OpenAI request bodies we accept (validated at the edge, bounded). */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
export const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([
    z.string(),
    z.array(z.union([textPart, z.looseObject({ type: z.string() })])).max(100),
    z.null(),
  ]),
});

export const chatCompletionBody = z.object({
  model: z.string().trim().min(1).max(100).optional(),
  messages: z.array(messageSchema).min(1).max(1000),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).max(131_072).nullish(),
  max_completion_tokens: z.number().int().min(1).max(131_072).nullish(),
  stop: z.union([z.string().max(100), z.array(z.string().max(100)).max(16)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  n: z.literal(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  response_format: z.object({ type: z.enum(['text', 'json_object']) }).nullish(),
  /** Arasul extension: answer from the documents; the response carries `arasul.sources`. */
  arasul: z.object({ rag: chatRagOptionSchema.optional() }).strict().nullish(),
});

export const embeddingsBody = z.object({
  model: z.string().trim().min(1).max(100),
  input: z.union([z.string().max(100_000), z.array(z.string().max(100_000)).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(65_536).optional(),
});
