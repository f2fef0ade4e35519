/**
 * Decides a file's type by its content (magic bytes), never by its name alone. The extension only picks
 * among the text formats (TXT, Markdown, CSV, HTML), which have no magic; when it names a different kind
 * than the content is, the upload is refused (`415`, naming the detected type).
 */

export type DocumentKind = 'pdf' | 'docx' | 'xlsx' | 'txt' | 'md' | 'csv' | 'html' | 'png' | 'jpeg' | 'tiff';

export const MIME_TYPES: Record<DocumentKind, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  png: 'image/png',
  jpeg: 'image/jpeg',
  tiff: 'image/tiff',
};

const EXTENSIONS: Record<string, DocumentKind> = {
  pdf: 'pdf',
  docx: 'docx',
  xlsx: 'xlsx',
  txt: 'txt',
  text: 'txt',
  log: 'txt',
  md: 'md',
  markdown: 'md',
  csv: 'csv',
  html: 'html',
  htm: 'html',
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
};

const TEXT_KINDS = new Set<DocumentKind>(['txt', 'md', 'csv', 'html']);

export type Detection =
  | { ok: true; kind: DocumentKind; mimeType: string }
  | { ok: false; detected: string; reason: 'unsupported' | 'mismatch' };

function startsWith(head: Buffer, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((byte, i) => head[offset + i] === byte);
}

/** What the bytes are: one of ours, or a name for the refusal message. */
function sniff(head: Buffer): DocumentKind | 'text' | { other: string } {
  if (head.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // OOXML: the part names are stored in the clear in the local file headers near the start.
    if (head.includes('word/')) return 'docx';
    if (head.includes('xl/')) return 'xlsx';
    return { other: 'application/zip' };
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0]))
    return { other: 'application/x-ole-storage (old Office format)' };
  if (startsWith(head, [0x47, 0x49, 0x46, 0x38])) return { other: 'image/gif' };
  if (startsWith(head, [0x1f, 0x8b])) return { other: 'application/gzip' };
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return { other: 'application/x-executable' };
  if (head.includes(0)) return { other: 'application/octet-stream' };
  const text = head
    .subarray(0, 2048)
    .toString('latin1')
    .replace(/^\uFEFF|^ï»¿/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'html';
  return 'text';
}

function extensionOf(filename: string): string | null {
  const match = /\.([a-z0-9]{1,10})$/i.exec(filename);
  return match?.[1]?.toLowerCase() ?? null;
}

export function detectType(head: Buffer, filename: string): Detection {
  const sniffed = sniff(head);
  if (typeof sniffed === 'object') return { ok: false, detected: sniffed.other, reason: 'unsupported' };
  const ext = extensionOf(filename);
  const named = ext === null ? undefined : EXTENSIONS[ext];
  const detectedName = sniffed === 'text' ? 'text/plain' : MIME_TYPES[sniffed];
  if (ext !== null && named === undefined)
    return { ok: false, detected: detectedName, reason: 'unsupported' };
  let kind: DocumentKind;
  if (sniffed === 'text' || sniffed === 'html') {
    if (named !== undefined && !TEXT_KINDS.has(named))
      return { ok: false, detected: detectedName, reason: 'mismatch' };
    kind = named ?? (sniffed === 'html' ? 'html' : 'txt');
  } else {
    if (named !== undefined && named !== sniffed)
      return { ok: false, detected: detectedName, reason: 'mismatch' };
    kind = sniffed;
  }
  return { ok: true, kind, mimeType: MIME_TYPES[kind] };
}

/** Removes C0/C1 control characters (and DEL), which have no place in a file name or a header. */
export function stripControlCharacters(text: string): string {
  return Array.from(text)
    .filter((char) => {
      const code = char.codePointAt(0) ?? 0;
      return code > 0x1f && (code < 0x7f || code > 0x9f);
    })
    .join('');
}

/** No path parts, no control characters, at most 255 characters (the extension kept). */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let clean = stripControlCharacters(base).replace(/^\.+/, '').trim();
  if (clean.length > 255) {
    const ext = /\.[a-z0-9]{1,10}$/i.exec(clean)?.[0] ?? '';
    clean = clean.slice(0, 255 - ext.length) + ext;
  }
  return clean === '' ? 'dokument' : clean;
}
