import { analyse } from 'chardet';
import iconv from 'iconv-lite';

/**
 * Bytes → text for TXT, Markdown, CSV and HTML: UTF-8 when the bytes are valid UTF-8 (a BOM is dropped),
 * else the 8-bit charset chardet names among Windows-1252 and ISO-8859-1 (German umlauts survive either).
 */
export function decodeText(bytes: Buffer): { text: string; charset: string } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), charset: 'utf-8' };
  } catch {
    // not UTF-8: an 8-bit charset
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: iconv.decode(bytes.subarray(2), 'utf16le'), charset: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: iconv.decode(bytes.subarray(2), 'utf16be'), charset: 'utf-16be' };
  const candidates = analyse(bytes.subarray(0, 64 * 1024)).map((match) => match.name.toLowerCase());
  // Bytes 0x80–0x9f are printable in Windows-1252 (€, „, “) and control characters in ISO-8859-1.
  const has1252Only = bytes.some((byte) => byte >= 0x80 && byte <= 0x9f);
  const charset =
    has1252Only ||
    !candidates.includes('iso-8859-1') ||
    candidates.indexOf('windows-1252') < candidates.indexOf('iso-8859-1')
      ? 'windows-1252'
      : 'iso-8859-1';
  return { text: iconv.decode(bytes, charset), charset };
}
