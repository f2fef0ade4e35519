import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { PayloadTooLargeError, ValidationError } from '@arasul/service-kit';

/** Bytes looked at to decide a file's type (OOXML part names sit within the first few KiB). */
export const HEAD_BYTES = 64 * 1024;

export interface IncomingFile {
  /** As the client sent it (for display). */
  filename: string;
  /** The first bytes (up to HEAD_BYTES), for type detection; empty for an empty file. */
  head: Buffer;
  /** The whole content, head included, streamed; counts size and sha256 as it goes. */
  body: Readable;
  /** Valid once `body` has ended. */
  result(): { size: number; sha256: string };
  /** The error that stopped `body` (e.g. `FileTooLargeError`), if any. */
  failure(): Error | null;
}

export class FileTooLargeError extends PayloadTooLargeError {
  constructor(filename: string, maxMb: number) {
    super(`"${filename}" is larger than ${maxMb} MB.`, 'file_too_large');
  }
}

/**
 * Streams a multipart upload: fields (in order) and files one after another, never holding a file whole in
 * memory. `onFile` must consume `file.body`; a file past `maxFileBytes` fails the stream with
 * `FileTooLargeError` as soon as the limit is crossed.
 */
export function readMultipart(
  source: Readable & { headers: IncomingHttpHeaders },
  limits: { maxFileBytes: number; maxFiles: number },
  handlers: {
    onField: (name: string, value: string) => void;
    onFile: (file: IncomingFile) => Promise<void>;
  },
): Promise<{ files: number }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: source.headers,
        limits: { files: limits.maxFiles, fields: 20, fieldSize: 4096, parts: limits.maxFiles + 20 },
      });
    } catch {
      reject(new ValidationError('Send the files as multipart/form-data.', undefined, 'not_multipart'));
      return;
    }
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    let files = 0;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      source.unpipe(parser);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    parser.on('field', (name, value) => {
      chain = chain.then(() => handlers.onField(name, value));
      chain.catch(fail);
    });
    parser.on('file', (_name, stream, info) => {
      files += 1;
      chain = chain.then(async () => {
        if (failed) {
          stream.resume();
          return;
        }
        await handlers.onFile(await inspect(stream, info.filename ?? '', limits.maxFileBytes));
      });
      chain.catch((error: unknown) => {
        stream.resume();
        fail(error);
      });
    });
    parser.on('filesLimit', () => {
      fail(new ValidationError(`At most ${limits.maxFiles} files per upload.`, undefined, 'too_many_files'));
    });
    parser.on('error', (error: unknown) => {
      fail(
        new ValidationError(
          `The upload is malformed: ${error instanceof Error ? error.message : ''}`,
          undefined,
          'malformed_upload',
        ),
      );
    });
    parser.on('close', () => {
      chain.then(() => {
        if (!failed) resolve({ files });
      }, fail);
    });
    source.on('aborted', () =>
      fail(new ValidationError('The upload was aborted.', undefined, 'upload_aborted')),
    );
    source.pipe(parser);
  });
}

/** Reads the first HEAD_BYTES (or the whole file, if smaller), then streams everything through a counter. */
async function inspect(stream: Readable, filename: string, maxBytes: number): Promise<IncomingFile> {
  const hash = createHash('sha256');
  let size = 0;
  let digest: string | null = null;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const buffered: Buffer[] = [];
  let ended = false;
  const maxMb = Math.round(maxBytes / (1024 * 1024));

  let length = 0;
  while (length < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    buffered.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(buffered).subarray(0, HEAD_BYTES);

  let failure: Error | null = null;
  /** False once the file crossed the limit: the body then ends early and `failure()` says why. */
  const count = (chunk: Buffer): boolean => {
    size += chunk.length;
    if (size > maxBytes) {
      failure = new FileTooLargeError(filename, maxMb);
      return false;
    }
    hash.update(chunk);
    return true;
  };

  // Ending early (rather than erroring) lets every object-store client finish cleanly; the caller
  // sees failure() and removes what was written.
  async function* content(): AsyncGenerator<Buffer> {
    for (const chunk of buffered) {
      if (!count(chunk)) return;
      yield chunk;
    }
    buffered.length = 0;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      if (!count(next.value)) return;
      yield next.value;
    }
  }

  const body = Readable.from(content(), { objectMode: false });
  return {
    filename,
    head,
    body,
    failure: () => failure,
    result: () => {
      digest ??= hash.digest('hex');
      return { size, sha256: digest };
    },
  };
}
