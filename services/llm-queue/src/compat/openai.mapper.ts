import type { z } from 'zod';
import { type Identity, parseInput } from '@arasul/service-kit';
import type { OllamaTag } from '../clients/ollama.client';
import type { AdmitInput } from '../jobs/jobs.service';
import { llmOptionsSchema } from '../jobs/llm-options.schema';
import type { collectForCaller } from '../jobs/caller-job';
import type { JobEvent } from '../scheduler/job-events';
import type { SseStream } from '../shared/sse';
import type { chatCompletionBody, embeddingsBody, messageSchema } from './openai.schemas';

/** Translations between OpenAI's request/response shapes and jobs (no I/O here). */

type ChatCompletionBody = z.infer<typeof chatCompletionBody>;
type EmbeddingsBody = z.infer<typeof embeddingsBody>;
type CollectedJob = Awaited<ReturnType<typeof collectForCaller>>;
type JobInput = Omit<AdmitInput, 'boundToCaller'>;

const FINGERPRINT = 'arasul-llm-queue';

/** OpenAI clients send `null` for "not set" as often as they leave a field out. */
function given<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

function textOf(content: z.infer<typeof messageSchema>['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && 'text' in part ? String(part.text) : '')).join('');
}

function base64Embedding(vector: number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

function finishReasonOf(doneReason: string | null): 'length' | 'stop' {
  return doneReason === 'length' ? 'length' : 'stop';
}

function usageOf(usage: { promptTokens: number; completionTokens: number; totalTokens: number }) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
}

/** A chat completion request as a job: messages with text only, OpenAI's knobs as Ollama options. */
export function chatJobInput(body: ChatCompletionBody, identity: Identity): JobInput {
  const messages = body.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: textOf(m.content),
  }));
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  // OpenAI's names mapped onto the one bounded options schema every facade uses.
  const options = parseInput(
    llmOptionsSchema,
    {
      ...(given(body.temperature) ? { temperature: body.temperature } : {}),
      ...(given(body.top_p) ? { top_p: body.top_p } : {}),
      ...(given(maxTokens) ? { num_predict: maxTokens } : {}),
      ...(given(body.stop) ? { stop: Array.isArray(body.stop) ? body.stop : [body.stop] } : {}),
      ...(given(body.seed) ? { seed: body.seed } : {}),
      ...(given(body.presence_penalty) ? { presence_penalty: body.presence_penalty } : {}),
      ...(given(body.frequency_penalty) ? { frequency_penalty: body.frequency_penalty } : {}),
    },
    'request body',
  );
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return {
    userId: identity.userId,
    apiKeyId: identity.apiKeyId,
    source: 'api',
    kind: 'chat',
    ...(body.model === undefined ? {} : { model: body.model }),
    priority: 'interactive',
    prompt: lastUser?.content ?? '',
    body: {
      messages,
      options,
      ...(body.response_format?.type === 'json_object' ? { format: 'json' } : {}),
    },
  };
}

/** The non-streamed `chat.completion`. */
export function chatCompletionOf(result: CollectedJob, created: number) {
  return {
    id: `chatcmpl-${result.admission.jobId}`,
    object: 'chat.completion',
    created,
    model: result.admission.model,
    system_fingerprint: FINGERPRINT,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: result.content },
        logprobs: null,
        finish_reason: finishReasonOf(result.done.doneReason),
      },
    ],
    usage: usageOf(result.done.usage),
  };
}

/**
 * A streamed completion: the role chunk first, a `chat.completion.chunk` per token, the final chunk with
 * usage (and a usage-only chunk when asked), then `[DONE]`; a failure is an error object and the end.
 */
export class OpenAiChunkWriter {
  constructor(
    private readonly stream: SseStream,
    private readonly meta: { id: string; model: string; created: number; includeUsage: boolean },
  ) {
    this.chunk({ role: 'assistant', content: '' }, null);
  }

  write(event: JobEvent): void {
    switch (event.type) {
      case 'token':
        this.chunk({ content: event.text }, null);
        return;
      case 'thinking':
        this.chunk({ reasoning: event.text }, null);
        return;
      case 'done': {
        const usage = usageOf(event.usage);
        this.chunk({}, finishReasonOf(event.doneReason), { usage });
        if (this.meta.includeUsage) this.stream.send({ ...this.base(), choices: [], usage });
        this.stream.raw('data: [DONE]\n\n');
        this.stream.end();
        return;
      }
      case 'error':
      case 'cancelled': {
        const code = event.type === 'error' ? event.code : 'cancelled';
        const message = event.type === 'error' ? event.message : 'The job was cancelled.';
        this.stream.send({ error: { message, type: 'server_error', param: null, code } });
        this.stream.end();
        return;
      }
      default:
        return;
    }
  }

  private base() {
    const { id, created, model } = this.meta;
    return { id, object: 'chat.completion.chunk', created, model };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null, extra = {}): void {
    this.stream.send({
      ...this.base(),
      system_fingerprint: FINGERPRINT,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...extra,
    });
  }
}

export function modelListOf(tags: OllamaTag[]) {
  return {
    object: 'list',
    data: tags.map((t) => ({
      id: t.name,
      object: 'model',
      created: t.modified_at ? Math.floor(new Date(t.modified_at).getTime() / 1000) || 0 : 0,
      owned_by: 'library',
    })),
  };
}

export function embeddingJobInput(body: EmbeddingsBody, identity: Identity): JobInput {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return {
    userId: identity.userId,
    apiKeyId: identity.apiKeyId,
    source: 'api',
    kind: 'embed',
    model: body.model,
    priority: 'interactive',
    prompt: inputs[0]?.slice(0, 1000) ?? '',
    body: { input: inputs, ...(body.dimensions === undefined ? {} : { dimensions: body.dimensions }) },
  };
}

export function embeddingsOf(result: CollectedJob, encoding: 'float' | 'base64') {
  const vectors = result.extras.embeddings ?? [];
  const tokens = result.done.usage.promptTokens;
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? base64Embedding(vector) : vector,
    })),
    model: result.admission.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
