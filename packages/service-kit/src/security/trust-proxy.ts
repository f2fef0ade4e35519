import { isIP } from 'node:net';
import { z } from 'zod';

/** Names Express (proxy-addr) understands for address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  if (address === undefined || rest.length > 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: the addresses of proxies whose `X-Forwarded-For` is believed, as a comma-separated list of
 * IPs, CIDRs or the names loopback/linklocal/uniquelocal. Unset or `false` trusts nobody (the default: a
 * forwarded header is then ignored and the socket address counts). `true` and hop counts are refused: they
 * would believe whoever connects, which lets any local process invent client addresses.
 */
export const trustProxySchema = z
  .string()
  .default('false')
  .transform((value, ctx): false | string[] => {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (entries.length === 0 || (entries.length === 1 && entries[0] === 'false')) return false;
    const bad = entries.filter((entry) => !isProxyAddress(entry));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must list proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal) or be false; not ${bad.join(', ')}`,
      });
      return z.NEVER;
    }
    return entries;
  });

export type TrustProxy = z.output<typeof trustProxySchema>;
