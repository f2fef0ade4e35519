import { type SearchRequest, type SearchResponse, searchResponseSchema } from '@arasul/contracts';
import {
  ForbiddenError,
  type Identity,
  IDENTITY_HEADER,
  UnavailableError,
  UpstreamError,
  signIdentity,
} from '@arasul/service-kit';

export interface SearchClientOptions {
  /** document-indexer's base URL. */
  baseUrl: string;
  internalSecret: string;
  timeoutMs: number;
}

/**
 * document-indexer's `POST /api/search`, called for a user: the request carries that user's identity signed
 * with the internal secret (as the gateway would), so the indexer applies the same rules as for the user.
 */
export class SearchClient {
  constructor(private readonly options: SearchClientOptions) {}

  async search(identity: Identity, request: SearchRequest, signal?: AbortSignal): Promise<SearchResponse> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(new URL('/api/search', this.options.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity(identity, this.options.internalSecret, 60),
        },
        body: JSON.stringify(request),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw new UnavailableError('The document search cannot be reached right now.', 'search_unavailable', {
        cause: error,
      });
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 403) {
      throw new ForbiddenError(
        'Answering from the documents needs read access to them (documents:read).',
        'insufficient_scope',
      );
    }
    if (response.status >= 400 && response.status < 500) {
      const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
      throw new UpstreamError('The document search refused the request.', 'search_refused', {
        details: { status: response.status, code: typeof code === 'string' ? code : null },
      });
    }
    if (!response.ok) {
      throw new UnavailableError('The document search failed.', 'search_unavailable', {
        details: { status: response.status },
      });
    }
    const parsed = searchResponseSchema.safeParse(body);
    if (!parsed.success)
      throw new UpstreamError('The document search answered unexpectedly.', 'search_invalid');
    return parsed.data;
  }
}
