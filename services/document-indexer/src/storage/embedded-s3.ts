import { Worker } from 'node:worker_threads';

/**
 * The embedded S3-compatible server (s3rver) of native mode, on loopback, in a worker thread of its own: its
 * per-byte work (an MD5 per part, writing the parts and joining them on completion) and the garbage it makes
 * then run beside the indexer's event loop instead of on it, which is what held uploads to a few MB/s.
 */
export interface EmbeddedS3 {
  port: number;
  stop(): Promise<void>;
}

/**
 * Plain CommonJS, so it runs the same under node, tsx and jest (none of which has to compile a worker file).
 * Three changes to s3rver 3.7:
 * - Storing a part: its own version reported the part stored when the bytes had passed its MD5 but not yet
 *   reached the file, and never compared them with the Content-MD5 the client sent. Here the part is stored
 *   only once the file is written, and a part whose MD5 differs is refused (the upload fails, nothing joins).
 * - It lacks ListMultipartUploads, which the minio client asks before a streamed multipart upload ("resume an
 *   unfinished one?"); keys are fresh uuids, so "none" is the true answer.
 * - Completing a multipart upload re-read every part through a stream, hashed it all again and wrote it
 *   again: a third of its work per uploaded byte. Here the parts are appended onto the first one through one
 *   reused 1 MiB buffer and the ETag is S3's own for multipart objects (MD5 of the parts' MD5s, "-N").
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
const { createHash } = require('node:crypto');
const fs = require('node:fs/promises');
const { createWriteStream } = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const S3rver = require(workerData.s3rverPath);
const s3rver = new S3rver({ directory: workerData.directory, silent: true });
const store = s3rver.store;
const copyBuffer = Buffer.allocUnsafe(1024 * 1024);

store.putPart = async function (bucket, uploadId, partNumber, content) {
  const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
  await fs.mkdir(path.dirname(partPath), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  await pipeline(
    content,
    async function* (source) {
      for await (const chunk of source) {
        md5.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(partPath),
  );
  const digest = md5.digest();
  const sent = content.headers && content.headers['content-md5'];
  if (sent !== undefined && sent !== digest.toString('base64')) {
    await fs.rm(partPath, { force: true });
    throw new Error('BadDigest: the part does not match its Content-MD5');
  }
  await fs.writeFile(partPath + '.md5', digest.toString('hex'));
  return { size, md5: digest.toString('hex') };
};

store.putObjectMultipart = async function (bucket, uploadId, parts) {
  const uploadDir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  const key = await fs.readFile(path.join(uploadDir, 'key'), 'utf8');
  const metadata = JSON.parse(await fs.readFile(path.join(uploadDir, 'metadata'), 'utf8'));
  const numbers = parts.map((part) => part.number).sort((a, b) => a - b);
  const partPath = (n) => path.join(uploadDir, String(n));
  const joined = partPath(numbers[0]);
  const out = await fs.open(joined, 'a');
  const etags = createHash('md5');
  try {
    for (const [i, n] of numbers.entries()) {
      etags.update(Buffer.from(await fs.readFile(partPath(n) + '.md5', 'utf8'), 'hex'));
      if (i === 0) continue;
      const input = await fs.open(partPath(n), 'r');
      try {
        for (;;) {
          const { bytesRead } = await input.read(copyBuffer, 0, copyBuffer.length, null);
          if (bytesRead === 0) break;
          await out.write(copyBuffer, 0, bytesRead);
        }
      } finally {
        await input.close();
      }
    }
  } finally {
    await out.close();
  }
  const md5 = etags.digest('hex') + '-' + numbers.length;
  const objectPath = this.getResourcePath(bucket, key, 'object');
  await fs.mkdir(path.dirname(objectPath), { recursive: true });
  await fs.rename(joined, objectPath);
  await this.putMetadata(bucket, key, metadata, md5);
  const { size } = await fs.stat(objectPath);
  await fs.rm(uploadDir, { recursive: true, force: true });
  return { size, md5 };
};

const handle = s3rver.getMiddleware();
const server = createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.searchParams.has('uploads')) {
    const bucket = (url.pathname.split('/')[1] || '').replace(/[^a-z0-9.-]/g, '');
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>' + bucket + '</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>');
    return;
  }
  handle(req, res);
});
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  server.closeAllConnections();
  server.close(() => parentPort.postMessage({ stopped: true }));
});
`;

/**
 * The worker's own V8 heap. Its default young generation (as large as the main thread's) let the Buffer
 * wrappers of every 5 MiB part in flight pile up between scavenges: +40 MB resident while a 45 MB file went
 * in. A 4 MB young generation collects them as they go at the same throughput; the old generation holds
 * s3rver's modules and a listing at most, and a worker over it ends the process (the supervisor restarts it).
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

export async function startEmbeddedS3(directory: string, port: number): Promise<EmbeddedS3> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { s3rverPath: require.resolve('s3rver'), directory, port },
    resourceLimits: WORKER_HEAP,
  });
  const first = await new Promise<{ port?: number; error?: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (first.port === undefined) {
    await worker.terminate();
    throw new Error(`embedded S3 server did not start: ${first.error ?? 'no port'}`);
  }
  let stopping: Promise<void> | undefined;
  // The store dying under a running indexer is what a crash of the indexer itself was before (s3rver ran on
  // its event loop): fail the process, and the supervisor starts it again.
  const died = (reason: string): void => {
    if (stopping !== undefined) return;
    setImmediate(() => {
      throw new Error(`embedded S3 server stopped: ${reason}`);
    });
  };
  worker.on('error', (error: Error) => {
    died(error.message);
  });
  worker.on('exit', (code) => {
    died(`exit code ${String(code)}`);
  });
  return {
    port: first.port,
    stop: () =>
      (stopping ??= (async () => {
        const stopped = new Promise<void>((resolve) => {
          worker.once('message', () => resolve());
          worker.once('exit', () => resolve());
        });
        worker.postMessage('stop');
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        await worker.terminate();
      })()),
  };
}
