import { z } from 'zod';
import { UpstreamError, type Identity } from '@arasul/service-kit';
import { UpstreamUnavailableError } from '../errors';
import { identitySchema } from './identity.schema';

const verifiedKeySchema = z.object({
  identity: identitySchema,
  rateLimitPerMinute: z.number().int().positive(),
  allowedEndpoints: z.array(z.string()).nullable(),
  expiresAt: z.string().nullable(),
});

export interface VerifiedApiKey {
  identity: Identity;
  rateLimitPerMinute: number;
  allowedEndpoints: string[] | null;
  expiresAt: string | null;
}

const revocationsSchema = z.object({
  sessions: z.array(z.object({ jti: z.string().min(1), expiresAt: z.iso.datetime({ offset: true }) })),
  apiKeyIds: z.array(z.number().int().positive()),
});

export type RevocationList = z.output<typeof revocationsSchema>;

/**
 * The gateway's two internal calls to the auth service. Both carry the internal secret as a bearer token,
 * both time out, and a failure to reach auth is an UpstreamUnavailableError (503), never a 401.
 */
export class AuthClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly baseUrl: string,
    internalSecret: string,
    private readonly timeoutMs = 2000,
  ) {
    this.headers = { authorization: `Bearer ${internalSecret}`, 'content-type': 'application/json' };
  }

  /** `null` when auth says the key is not valid (unknown, inactive, expired). */
  async verifyApiKey(key: string): Promise<VerifiedApiKey | null> {
    const response = await this.call('/internal/api-keys/verify', {
      method: 'POST',
      body: JSON.stringify({ key }),
    });
    if (response.status === 401) {
      await response.body?.cancel();
      return null;
    }
    return parseAnswer(verifiedKeySchema, await this.json(response));
  }

  async listRevocations(): Promise<RevocationList> {
    const response = await this.call('/internal/revocations', { method: 'GET' });
    return parseAnswer(revocationsSchema, await this.json(response));
  }

  private async call(path: string, init: { method: string; body?: string }): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), {
        ...init,
        headers: this.headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new UpstreamUnavailableError('auth', error);
    }
  }

  private async json(response: Response): Promise<unknown> {
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamUnavailableError('auth', new Error(`auth answered ${response.status}`));
    }
    return response.json();
  }
}

function parseAnswer<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new UpstreamError('The auth service answered in an unexpected shape.', 'upstream_failed', {
      cause: result.error,
    });
  }
  return result.data;
}
