import { signIdentity, type Identity } from '@arasul/service-kit';

/** A signed identity header kept with the cached credential it belongs to. */
export interface SignedIdentityHolder {
  identity: Identity;
  signed?: string;
  signedUntilMs?: number;
}

/**
 * Signs the `X-Arasul-Identity` header. Signing (HMAC + JSON) costs more than everything else on the hot
 * path, so a signature is reused for half its lifetime: a service always receives one with ≥ 30 s left.
 */
export class IdentitySigner {
  constructor(
    private readonly internalSecret: string,
    private readonly ttlSeconds = 60,
  ) {}

  headerFor(holder: SignedIdentityHolder, now = Date.now()): string {
    if (holder.signed !== undefined && holder.signedUntilMs !== undefined && now < holder.signedUntilMs) {
      return holder.signed;
    }
    holder.signed = signIdentity(holder.identity, this.internalSecret, this.ttlSeconds);
    holder.signedUntilMs = now + (this.ttlSeconds * 1000) / 2;
    return holder.signed;
  }
}
