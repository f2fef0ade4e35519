import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { type ObjectStore, openObjectStore } from '../src/storage/object-store';

let store: ObjectStore;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'arasul-object-store-test-'));
  store = await openObjectStore({
    endpoint: undefined,
    port: 9000,
    useSSL: false,
    accessKey: 'unused',
    secretKey: 'unused',
    region: 'us-east-1',
    bucket: 'documents',
    embeddedDirectory: join(directory, 'objects'),
    embeddedPort: 0,
  });
});

afterAll(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

/** `bytes` of random content in 64 KiB chunks, the way an upload arrives; its sha256 for the comparison. */
function randomStream(bytes: number): { body: Readable; sha256: string } {
  const content = randomBytes(bytes);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes; offset += 64 * 1024)
    chunks.push(content.subarray(offset, offset + 64 * 1024));
  return { body: Readable.from(chunks), sha256: createHash('sha256').update(content).digest('hex') };
}

async function sha256Of(body: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

describe('embedded object store (s3rver in a worker thread, reached by the minio client)', () => {
  it('reports itself as the embedded fallback on loopback', () => {
    expect(store.fallback).toMatch(/^embedded s3rver on 127\.0\.0\.1:\d+$/);
  });

  it('stores a file of several parts byte for byte (multipart upload and its completion)', async () => {
    const size = 12 * 1024 * 1024 + 12_345; // three parts of 5 MiB, the last one short
    const { body, sha256 } = randomStream(size);
    await store.put('space/multi', body, 'application/octet-stream');
    expect(await sha256Of(await store.get('space/multi'))).toEqual({ sha256, size });
  });

  it('refuses a part whose bytes do not match its Content-MD5', async () => {
    const port = Number(/:(\d+)$/.exec(store.fallback ?? '')?.[1]);
    const client = new Minio.Client({
      endPoint: '127.0.0.1',
      port,
      useSSL: false,
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      pathStyle: true,
      region: 'us-east-1',
      retryOptions: { disableRetry: true },
    });
    const uploadId = await client.initiateNewMultipartUpload('documents', 'space/bad', {});
    const part = Buffer.from('these are the bytes on the wire');
    const claimed = createHash('md5').update('other bytes').digest('base64');
    const failure: unknown = await client
      .makeRequestAsync(
        {
          method: 'PUT',
          bucketName: 'documents',
          objectName: 'space/bad',
          query: `partNumber=1&uploadId=${uploadId}`,
          headers: { 'Content-MD5': claimed, 'Content-Length': part.length },
        },
        part,
      )
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    const honest = createHash('md5').update(part).digest('base64');
    const accepted = await client.makeRequestAsync(
      {
        method: 'PUT',
        bucketName: 'documents',
        objectName: 'space/bad',
        query: `partNumber=1&uploadId=${uploadId}`,
        headers: { 'Content-MD5': honest, 'Content-Length': part.length },
      },
      part,
    );
    accepted.resume();
    expect(accepted.statusCode).toBe(200);
  });

  it('stores a file smaller than one part, lists and removes objects', async () => {
    const { body, sha256 } = randomStream(1000);
    await store.put('space/small', body, 'text/plain');
    expect(await sha256Of(await store.get('space/small'))).toEqual({ sha256, size: 1000 });
    expect((await store.list('space/', 10)).map((o) => o.key).sort()).toEqual(['space/multi', 'space/small']);
    await store.remove('space/multi');
    await store.remove('space/multi'); // removing what is gone is fine
    expect((await store.list('space/', 10)).map((o) => o.key)).toEqual(['space/small']);
  });
});
