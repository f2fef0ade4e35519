import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import * as Minio from 'minio';
import { startEmbeddedS3 } from './embedded-s3';

/** Uploads go in parts of this size: at most one part of a file is in memory (S3's minimum part is 5 MiB). */
const PART_SIZE = 5 * 1024 * 1024;

/** What the indexer needs of an object store; one implementation, the `minio` client. */
export interface ObjectStore {
  readonly bucket: string;
  /** `null` for MinIO; `embedded s3rver on 127.0.0.1:<port>` in native mode (reported as a fallback). */
  readonly fallback: string | null;
  put(key: string, body: Readable, contentType: string): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Removing what is not there is fine. */
  remove(key: string): Promise<void>;
  /** Keys under `prefix` with their last modification, at most `limit`. */
  list(prefix: string, limit: number): Promise<{ key: string; lastModified: Date }[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ObjectStoreOptions {
  endpoint?: string | undefined;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  /** Native mode: where the embedded server keeps its data, and its loopback port (0 = any free). */
  embeddedDirectory: string;
  embeddedPort: number;
}

/**
 * Opens the object store: MinIO when an endpoint is configured, else an S3-compatible server (s3rver) on
 * loopback with its data on disk. Both are reached through the same `minio` client: one code path.
 */
export async function openObjectStore(options: ObjectStoreOptions): Promise<ObjectStore> {
  if (options.endpoint !== undefined) {
    const client = new Minio.Client({
      endPoint: options.endpoint,
      port: options.port,
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region,
      partSize: PART_SIZE,
    });
    unsignedPayload(client);
    const store = new MinioObjectStore(client, options.bucket, options.region, null, () => Promise.resolve());
    await store.ensureBucket();
    return store;
  }
  mkdirSync(options.embeddedDirectory, { recursive: true, mode: 0o700 });
  const embedded = await startEmbeddedS3(options.embeddedDirectory, options.embeddedPort);
  // s3rver's one account; the server listens on loopback only.
  const client = new Minio.Client({
    endPoint: '127.0.0.1',
    port: embedded.port,
    useSSL: false,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    region: 'us-east-1',
    pathStyle: true,
    partSize: PART_SIZE,
  });
  unsignedPayload(client);
  const store = new MinioObjectStore(
    client,
    options.bucket,
    'us-east-1',
    `embedded s3rver on 127.0.0.1:${embedded.port}`,
    () => embedded.stop(),
  );
  await store.ensureBucket();
  return store;
}

/**
 * Over plain HTTP the minio client signs a SHA-256 of every part besides the Content-MD5 it always sends; the
 * server checks the MD5 either way. Both stores are private (loopback, or compose's internal network), so the
 * second digest of every uploaded byte buys nothing: requests are signed with UNSIGNED-PAYLOAD instead.
 */
function unsignedPayload(client: Minio.Client): void {
  client.enableSHA256 = false;
}

class MinioObjectStore implements ObjectStore {
  constructor(
    private readonly client: Minio.Client,
    readonly bucket: string,
    private readonly region: string,
    readonly fallback: string | null,
    private readonly stop: () => Promise<void>,
  ) {}

  async ensureBucket(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket)))
      await this.client.makeBucket(this.bucket, this.region);
  }

  async put(key: string, body: Readable, contentType: string): Promise<void> {
    await this.client.putObject(this.bucket, key, body, undefined, { 'Content-Type': contentType });
  }

  get(key: string): Promise<Readable> {
    return this.client.getObject(this.bucket, key);
  }

  async remove(key: string): Promise<void> {
    await this.client.removeObject(this.bucket, key);
  }

  list(prefix: string, limit: number): Promise<{ key: string; lastModified: Date }[]> {
    return new Promise((resolve, reject) => {
      const found: { key: string; lastModified: Date }[] = [];
      const stream = this.client.listObjectsV2(this.bucket, prefix, true);
      stream.on('data', (item: { name?: string; lastModified?: Date }) => {
        if (item.name !== undefined && item.lastModified !== undefined) {
          found.push({ key: item.name, lastModified: item.lastModified });
        }
        if (found.length >= limit) stream.destroy();
      });
      stream.on('error', reject);
      stream.on('close', () => resolve(found));
      stream.on('end', () => resolve(found));
    });
  }

  async ping(): Promise<void> {
    await this.client.bucketExists(this.bucket);
  }

  close(): Promise<void> {
    return this.stop();
  }
}
