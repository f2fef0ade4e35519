/**
 * Where an upload's time goes inside the indexer, hop by hop, without a database or broker: curl (a process of
 * its own, like a browser) POSTs a 40 MB multipart file to a bare HTTP server that runs the indexer's
 * `readMultipart` (busboy, sha256, type sniffing) and then either drops the bytes (`parse`) or streams them
 * through the minio client into the embedded S3 server (`store`, s3rver in its worker thread). Prints MB/s and
 * CPU ms per MB of the whole process and of its main thread (the S3 server's thread is the difference).
 *
 *   cd services/document-indexer && pnpm exec tsx --tsconfig ../../tsconfig.test.json ../../bench/document-indexer/upload-hops.ts
 *
 * The gateway hop and the whole indexer are measured by document-indexer.bench.ts (BENCH_ONLY=upload).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMultipart } from '../../services/document-indexer/src/storage/multipart';
import { openObjectStore } from '../../services/document-indexer/src/storage/object-store';

const MB = 1024 * 1024;
const SIZE_MB = 40;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function curl(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sf', '-o', '/dev/null', '-F', `file=@${file};type=text/plain`, url], (error) => {
      if (error) reject(new Error(`curl failed: ${error.message}`));
      else resolve();
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arasul-upload-hops-'));
  const file = join(dir, 'upload.txt');
  writeFileSync(file, Buffer.alloc(SIZE_MB * MB, 'Lorem ipsum dolor sit amet. '));
  const store = await openObjectStore({
    port: 0,
    useSSL: false,
    accessKey: 'unused',
    secretKey: 'unused',
    region: 'us-east-1',
    bucket: 'documents',
    embeddedDirectory: join(dir, 'objects'),
    embeddedPort: 0,
  });
  let mode: 'parse' | 'store' = 'parse';
  let key = 0;
  const server = createServer((req, res) => {
    readMultipart(
      req,
      { maxFileBytes: 100 * MB, maxFiles: 1 },
      {
        onField: () => undefined,
        onFile: async (upload) => {
          if (mode === 'store') {
            key += 1;
            await store.put(`hops/${String(key)}`, upload.body, 'text/plain');
          } else for await (const chunk of upload.body) void chunk;
        },
      },
    ).then(
      () => res.end('{}'),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const next of ['parse', 'store'] as const) {
        mode = next;
        const cpu = process.cpuUsage();
        const thread = process.threadCpuUsage();
        const started = performance.now();
        await curl(url, file);
        const ms = performance.now() - started;
        const all = process.cpuUsage(cpu);
        const main = process.threadCpuUsage(thread);
        process.stdout.write(
          `${next === 'parse' ? 'curl → readMultipart → drop' : 'curl → readMultipart → minio → s3rver'}: ` +
            `${(SIZE_MB / (ms / 1000)).toFixed(0)} MB/s, CPU per MB ${((all.user + all.system) / 1000 / SIZE_MB).toFixed(1)} ms ` +
            `(main thread ${((main.user + main.system) / 1000 / SIZE_MB).toFixed(1)} ms); load ${loadavg()[0]?.toFixed(1) ?? '?'}\n`,
        );
      }
    }
  } finally {
    server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
