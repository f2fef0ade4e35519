/**
 * The document indexer's numbers (issue 10):
 *   1. a 100-page text PDF from upload to `indexed` (embeddings from an endpoint with no delay)  ≤ 10 s
 *   2. upload throughput over HTTP into the object store (40 MB file, multipart)               ≥ 50 MB/s
 *   3. peak RSS of the process while it ingests a 50 MB PDF                                      ≤ 300 MB
 *   4. OCR throughput of a scanned PDF, pages per minute
 *   5. chunks added by re-uploading an unchanged file                                              0
 *   6. documents stuck after kill -9 of the indexer during the ingest of 20 files                  0
 *
 *   pnpm exec tsc -b services/document-indexer
 *   cd services/document-indexer && pnpm exec tsx --tsconfig ../../tsconfig.test.json ../../bench/document-indexer.bench.ts
 *   BENCH_ONLY=rss …     only 3: the built indexer's idle and peak RSS, and the 100-page PDF through it (≤ 10 s)
 *   BENCH_ONLY=upload …  only 2;  BENCH_ONLY=kill …  only 6
 *   BENCH_NODE_FLAGS='…' replaces the manifest's nodeFlags for the built indexer (to compare V8 flags)
 *
 * Runs the real indexer (app, pipeline, embedded S3 server, embedded vector store) in this process on a clone
 * of the migrated test template, with real PostgreSQL and RabbitMQ. The RSS part runs the built service
 * (dist, composed as dist/main.js does, with the manifest's nodeFlags: bench/document-indexer/indexer.child.cjs)
 * as a process of its own; the kill -9 part runs the workers as a child process
 * (bench/document-indexer/worker.ts). The upload is measured at the indexer's own HTTP port and through the
 * gateway.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { signAccessToken } from '@arasul/service-kit';
import { TEST_RABBITMQ_URL, prepareTemplates } from '@arasul/testkit';
import type { Actor } from '../services/document-indexer/src/audit/auditor';
import { documentsRepository } from '../services/document-indexer/src/documents/documents.repository';
import {
  INTERNAL_SECRET,
  type IndexerHarness,
  identityHeader,
  makePdf,
  makeScanPng,
  startIndexer,
} from '../services/document-indexer/test/helpers';

const ROOT = join(__dirname, '..');
const results: Record<string, string> = {};
/** Each figure is printed as soon as it is measured, and the table again at the end. */
const record = new Proxy(results, {
  set(target, key, value: string) {
    target[key as string] = value;
    process.stdout.write(`${String(key)}: ${value}\n`);
    return true;
  },
});

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function uploadHttp(
  url: string,
  name: string,
  content: Buffer,
  contentType = 'application/octet-stream',
) {
  const form = new FormData();
  form.append('file', new Blob([content], { type: contentType }), name);
  const started = performance.now();
  const response = await fetch(`${url}/api/documents`, {
    method: 'POST',
    headers: identityHeader('operator'),
    body: form,
  });
  const body = (await response.json()) as { documents?: { id: string }[]; error?: { code: string } };
  return {
    status: response.status,
    id: body.documents?.[0]?.id ?? '',
    ms: performance.now() - started,
    body,
  };
}

const MB = 1024 * 1024;
const UPLOAD_MB = 40;
const UPLOAD_ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ 100
}

/** Resident set of a process and of its descendants (poppler, Tesseract), from /proc; 0 once it is gone. */
function rssKb(pid: number): { own: number; children: number } {
  const status = (p: number): string => {
    try {
      return readFileSync(`/proc/${p}/status`, 'utf8');
    } catch {
      return '';
    }
  };
  const kb = (text: string): number => Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(/PPid:\s+(\d+)/.exec(status(Number(entry)))?.[1] ?? 0);
    parents.set(Number(entry), ppid);
  }
  const descendants = new Set<number>([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parents) {
      if (descendants.has(parent) && !descendants.has(child)) {
        descendants.add(child);
        grew = true;
      }
    }
  }
  descendants.delete(pid);
  let children = 0;
  for (const child of descendants) {
    const text = status(child);
    if (!/Name:\s+esbuild/.test(text)) children += kb(text); // tsx's compiler, not part of the indexer
  }
  return { own: kb(status(pid)), children };
}

/** The flags the supervisor starts the indexer with (manifest `nodeFlags`); BENCH_NODE_FLAGS replaces them. */
function indexerNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'services/document-indexer/package.json'), 'utf8')) as {
    arasul: { nodeFlags?: string[] };
  };
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? manifest.arasul.nodeFlags ?? [];
  return ['--enable-source-maps', ...flags];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The built indexer (services/document-indexer/dist, run by document-indexer/indexer.child.cjs exactly as
 * dist/main.js composes it, with the manifest's nodeFlags, as the supervisor starts it; only its AMQP names
 * are the bench's): its own embedded S3 server under its own var directory, HTTP app, pipeline, sweeper.
 */
async function startBuiltIndexer(h: IndexerHarness): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const db = new URL(h.infra.database.url);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DOCUMENT_INDEXER_PORT: String(port),
    POSTGRES_HOST: db.hostname,
    POSTGRES_PORT: db.port || '5432',
    POSTGRES_USER: decodeURIComponent(db.username),
    POSTGRES_PASSWORD: decodeURIComponent(db.password),
    POSTGRES_DB: db.pathname.slice(1),
    RABBITMQ_URL: TEST_RABBITMQ_URL,
    BENCH_AMQP_NAMESPACE: h.infra.namespace,
    INTERNAL_SECRET,
    ARASUL_VAR: join(h.varDir, 'built-indexer'),
    LLM_QUEUE_URL: h.embed.url,
    DOCUMENTS_MAX_UPLOAD_MB: '100',
    EMBEDDING_BATCH: '32',
  };
  delete env.NODE_OPTIONS; // tsx's loader must not reach the measured process
  const child = spawn(
    process.execPath,
    [...indexerNodeFlags(), join(__dirname, 'document-indexer/indexer.child.cjs')],
    { env, stdio: ['ignore', 'inherit', 'inherit'], cwd: join(ROOT, 'services/document-indexer') },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`indexer exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('built indexer not ready after 60 s');
    }
    await sleep(200);
  }
}

const mb = (kb: number): string => (kb / 1024).toFixed(0);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/**
 * RSS of the built indexer (see startBuiltIndexer) while it receives `pdf` over HTTP (curl) and ingests it,
 * sampled every 50 ms from /proc (VmRSS of the process, all threads); the external tools it runs (pdftotext,
 * pdftoppm, tesseract) counted apart. Then the 100-page text PDF through the same process (upload → indexed,
 * and the CPU it spent: V8 flags that save memory must not make the ingest slow), and idle again.
 */
async function ingestRss(h: IndexerHarness, pdf: Buffer, hundred: Buffer): Promise<Record<string, string>> {
  await h.services.stopWorkers(); // the built indexer's workers take the jobs
  const dir = mkdtempSync(join(tmpdir(), 'arasul-bench-rss-'));
  const file = join(dir, 'gross.pdf');
  const small = join(dir, 'hundert.pdf');
  writeFileSync(file, pdf);
  writeFileSync(small, hundred);
  const indexer = await startBuiltIndexer(h);
  const flags = indexerNodeFlags().slice(1).join(' ') || 'none';
  try {
    const pid = indexer.child.pid ?? 0;
    await sleep(3000);
    const idle = rssKb(pid).own;
    const peaks = { upload: idle, ingest: idle };
    let phase: keyof typeof peaks = 'upload';
    let peakChildren = 0;
    const sampler = setInterval(() => {
      const now = rssKb(pid);
      peaks[phase] = Math.max(peaks[phase], now.own);
      peakChildren = Math.max(peakChildren, now.children);
    }, 50);
    const loadAtStart = load();
    const cpu0 = cpuMs(pid);
    const upload = await curlUpload(indexer.url, file, identityHeader('operator'), 'application/pdf');
    const cpuUpload = cpuMs(pid) - cpu0;
    phase = 'ingest';
    const done = await settle(h, upload.id);
    clearInterval(sampler);
    const cpuBig = cpuMs(pid) - cpu0;
    const doc = await h.services.documents.get(upload.id);
    const failed = doc.failedParts.map((part) => `${part.kind} ${part.index} ${part.code}`).join(', ');
    const peak = Math.max(peaks.upload, peaks.ingest);

    const cpu1 = cpuMs(pid);
    const hundredUp = await curlUpload(indexer.url, small, identityHeader('operator'), 'application/pdf');
    const hundredDone = await settle(h, hundredUp.id);
    const cpuHundred = cpuMs(pid) - cpu1;
    await sleep(10_000);
    const idleAfter = rssKb(pid).own;
    return {
      'built indexer (node flags)': flags,
      'idle RSS of the built indexer (3 s after ready)': `${mb(idle)} MB; load ${loadAtStart}`,
      'peak RSS of the built indexer while uploading + ingesting a PDF':
        `${mb(peak)} MB (${mb(peak - idle)} MB above idle; during the upload ${mb(peaks.upload)} MB, ` +
        `during the ingest ${mb(peaks.ingest)} MB); external tools at most ${mb(peakChildren)} MB; ` +
        `PDF ${(pdf.length / MB).toFixed(1)} MB, ${done.status}${failed ? ` (${failed})` : ''} in ` +
        `${((upload.ms + done.ms) / 1000).toFixed(1)} s, indexer CPU ${(cpuBig / 1000).toFixed(1)} s; the upload ` +
        `alone ${(pdf.length / MB / (upload.ms / 1000)).toFixed(0)} MB/s, ${(cpuUpload / (pdf.length / MB)).toFixed(1)} ` +
        `ms CPU/MB; load ${load()}`,
      '100-page text PDF through the built indexer, upload → indexed':
        `${((hundredUp.ms + hundredDone.ms) / 1000).toFixed(2)} s, ${hundredDone.status}, indexer CPU ` +
        `${(cpuHundred / 1000).toFixed(2)} s; load ${load()}`,
      'idle RSS of the built indexer 10 s after both ingests': `${mb(idleAfter)} MB`,
    };
  } finally {
    indexer.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await h.services.startWorkers();
  }
}

/** POSTs `file` as multipart with curl; wall time and the CPU the receiving processes spent meanwhile. */
function curlUpload(
  target: string,
  file: string,
  headers: Record<string, string>,
  type = 'text/plain',
): Promise<{ ms: number; status: number; id: string }> {
  const args = ['-s', '-w', '\n%{http_code}', '-F', `file=@${file};type=${type}`];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile('curl', [...args, `${target}/api/documents`], (error, stdout) => {
      const ms = performance.now() - started;
      if (error) {
        reject(new Error(`curl failed: ${error.message}`));
        return;
      }
      const [body = '', status = ''] = stdout.split('\n');
      const id = (JSON.parse(body) as { documents?: { id: string }[] }).documents?.[0]?.id ?? '';
      resolve({ ms, status: Number(status), id });
    });
  });
}

/** The gateway as its own process (like `scripts/arasul start`), routing /api/documents to `indexerUrl`. */
async function startGateway(
  h: IndexerHarness,
  indexerUrl: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const db = new URL(h.infra.database.url);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/gateway/src/main.ts')], {
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.test.json'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(port),
      POSTGRES_HOST: db.hostname,
      POSTGRES_PORT: db.port || '5432',
      POSTGRES_USER: decodeURIComponent(db.username),
      POSTGRES_PASSWORD: decodeURIComponent(db.password),
      POSTGRES_DB: db.pathname.slice(1),
      REDIS_KEY_PREFIX: h.infra.redisPrefix,
      JWT_SECRET: GATEWAY_JWT_SECRET,
      INTERNAL_SECRET,
      DOCUMENT_INDEXER_URL: indexerUrl,
      RATE_LIMIT_USER_PER_MINUTE: '100000',
      AUDIT_ENABLED: 'true',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    const live = await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (live) return { url, child };
    if (Date.now() > deadline) throw new Error('gateway not live after 60 s');
    await sleep(200);
  }
}

function benchActor(userId: number): Actor {
  return { userId, authType: 'jwt', ip: null };
}

const GATEWAY_JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';

/**
 * Upload throughput hop by hop. Every round uploads a fresh 40 MB file (different content, so never a
 * duplicate) directly and through the gateway, alternated; the figure is the median. CPU ms per MB is the
 * indexer process's (parse, sha256, type sniffing, minio client; the embedded S3 server's thread included)
 * and the gateway process's, read from /proc while the upload ran.
 */
async function uploadThroughput(
  h: IndexerHarness,
  indexerUrl: string,
): Promise<{ what: string; value: string }[]> {
  const gateway = await startGateway(h, indexerUrl);
  const admin = await h.infra.database.db
    .selectFrom('admin_users')
    .select('id')
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow();
  const token = signAccessToken(
    { userId: admin.id, username: 'admin', role: 'admin', sessionId: 1 },
    GATEWAY_JWT_SECRET,
    3600,
  ).token;
  const dir = mkdtempSync(join(tmpdir(), 'arasul-bench-upload-'));
  const runs: Record<string, { mbps: number; indexerCpu: number; gatewayCpu: number }[]> = {
    direct: [],
    gateway: [],
  };
  await h.services.stopWorkers(); // the pipeline must not share the measured CPU
  try {
    for (let round = 0; round < UPLOAD_ROUNDS; round += 1) {
      for (const via of ['direct', 'gateway'] as const) {
        const file = join(dir, `${via}-${round}.txt`);
        writeFileSync(file, Buffer.alloc(UPLOAD_MB * MB, `${via} ${round} Lorem ipsum dolor sit amet. `));
        const gatewayPid = gateway.child.pid ?? 0;
        const [indexer0, gateway0] = [cpuMs(process.pid), cpuMs(gatewayPid)];
        const result =
          via === 'direct'
            ? await curlUpload(indexerUrl, file, identityHeader('operator'))
            : await curlUpload(gateway.url, file, { authorization: `Bearer ${token}` });
        if (result.status !== 201) throw new Error(`upload ${via} answered HTTP ${result.status}`);
        runs[via]?.push({
          mbps: UPLOAD_MB / (result.ms / 1000),
          indexerCpu: (cpuMs(process.pid) - indexer0) / UPLOAD_MB,
          gatewayCpu: (cpuMs(gatewayPid) - gateway0) / UPLOAD_MB,
        });
        rmSync(file);
        await h.services.documents.delete(result.id, benchActor(admin.id));
      }
    }
  } finally {
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => gateway.child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    await h.services.startWorkers();
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
  return Object.entries(runs).map(([via, list]) => ({
    what: `upload ${UPLOAD_MB} MB over HTTP into the object store, ${via === 'direct' ? 'curl → indexer' : 'curl → gateway → indexer'}`,
    value:
      `${median(list.map((r) => r.mbps)).toFixed(0)} MB/s median of ${list.length} ` +
      `(${list.map((r) => r.mbps.toFixed(0)).join(', ')}); CPU per MB: indexer ${median(list.map((r) => r.indexerCpu)).toFixed(1)} ms` +
      (via === 'gateway' ? `, gateway ${median(list.map((r) => r.gatewayCpu)).toFixed(1)} ms` : '') +
      `; load ${load()}`,
  }));
}

async function settle(
  h: IndexerHarness,
  id: string,
  timeoutMs = 600_000,
): Promise<{ status: string; ms: number }> {
  const started = performance.now();
  for (;;) {
    const doc = await h.services.documents.get(id);
    if (['indexed', 'partial', 'failed'].includes(doc.status))
      return { status: doc.status, ms: performance.now() - started };
    if (performance.now() - started > timeoutMs)
      throw new Error(`document ${id} not done after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** An uncompressible PNG (random pixels, stored deflate) of about `bytes`. */
function noisePng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 3 + 1)] = 0;
    const row = createHash('sha256').update(String(y)).digest();
    for (let x = 0; x < width * 3; x += 1)
      raw[y * (width * 3 + 1) + 1 + x] = (row[x % 32] ?? 0) ^ ((x * 31 + y * 17) & 0xff);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** ~50 MB: 100 text pages and 4 pages carrying a 12 MB uncompressible image each. */
function bigPdf(): Promise<Buffer> {
  const image = noisePng(2000, 2000);
  return new Promise((resolve) => {
    const doc = new PDFDocument({ autoFirstPage: false });
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    doc.on('end', () => resolve(Buffer.concat(parts)));
    for (let p = 0; p < 100; p += 1) {
      doc.addPage();
      doc.fontSize(11).text(sentences(p, 20));
      if (p % 25 === 0) {
        doc.addPage();
        doc.image(image, 0, 0, { width: 595 });
      }
    }
    doc.end();
  });
}

function sentences(page: number, count: number): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `Seite ${page + 1}, Satz ${i + 1}: Die Vertragsparteien vereinbaren die Lieferung der Ware bis zum Monatsende.`,
  ).join(' ');
}

async function main(): Promise<void> {
  await prepareTemplates();
  const h = await startIndexer({
    DOCUMENTS_MAX_UPLOAD_MB: '100',
    DOCUMENTS_LEASE_SECONDS: '5',
    EMBEDDING_BATCH: '32',
  });
  const server: Server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const only = process.env.BENCH_ONLY; // `kill`: just the kill -9 part; `upload`: just the throughput
    if (only === 'upload') {
      for (const row of await uploadThroughput(h, url)) record[row.what] = row.value;
      return;
    }
    if (only === 'rss') {
      const hundred = await makePdf(Array.from({ length: 100 }, (_, p) => sentences(p, 12)));
      Object.assign(record, await ingestRss(h, await bigPdf(), hundred));
      return;
    }
    if (only === undefined) {
      // 1. 100-page text PDF
      const hundred = await makePdf(Array.from({ length: 100 }, (_, p) => sentences(p, 12)));
      const up = await uploadHttp(url, 'hundert.pdf', hundred);
      const done = await settle(h, up.id);
      const doc = await h.services.documents.get(up.id);
      record['100-page text PDF, upload → indexed'] =
        `${((up.ms + done.ms) / 1000).toFixed(2)} s (${doc.chunkCount} chunks, status ${done.status}, dense ${doc.dense})`;

      // 5. unchanged re-upload
      const before = doc.chunkCount;
      const again = await uploadHttp(url, 'hundert-kopie.pdf', hundred);
      const stats = await h.services.documents.stats();
      record['re-upload of an unchanged file'] =
        `HTTP ${again.status} ${again.body.error?.code ?? ''}, chunks added: ${stats.chunks - before}`;

      // 2. upload throughput (40 MB text; the type check passes, the pipeline is not waited for), hop by hop,
      // with curl as the client in a process of its own (like a browser): straight to the indexer, and through
      // the real gateway process (JWT, rate limit, audit, streamed proxy).
      for (const row of await uploadThroughput(h, url)) record[row.what] = row.value;

      // 3. RSS while ingesting a ~50 MB PDF: the indexer alone in a process of its own (upload and ingest)
      Object.assign(record, await ingestRss(h, await bigPdf(), hundred));

      // 4. OCR throughput
      const pages = 4;
      const scans = await Promise.all(
        Array.from({ length: pages }, (_, i) =>
          makeScanPng(`Lieferschein ${i + 1}: Paletten Nummer ${1000 + i} geliefert`),
        ),
      );
      const scanned = await new Promise<Buffer>((resolve) => {
        const d = new PDFDocument({ autoFirstPage: false });
        const parts: Buffer[] = [];
        d.on('data', (b: Buffer) => parts.push(b));
        d.on('end', () => resolve(Buffer.concat(parts)));
        for (const png of scans) {
          d.addPage({ size: 'A4' });
          d.image(png, 0, 0, { width: 595 });
        }
        d.end();
      });
      const ocrUp = await uploadHttp(url, 'scan.pdf', scanned);
      const ocrDone = await settle(h, ocrUp.id);
      record['OCR throughput (scanned PDF, 200 dpi render + Tesseract deu+eng)'] =
        `${((pages / ocrDone.ms) * 60_000).toFixed(1)} pages/min (${pages} pages in ${(ocrDone.ms / 1000).toFixed(1)} s, ${ocrDone.status})`;
    }

    // 6. kill -9 during the ingest of 20 files
    await h.services.stopWorkers();
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const file = await makePdf(Array.from({ length: 5 }, (_, p) => `Datei ${i} ${sentences(p, 10)}`));
      ids.push((await uploadHttp(url, `datei-${i}.pdf`, file)).id);
    }
    const s3Port = Number(/127\.0\.0\.1:(\d+)/.exec(h.objects.fallback ?? '')?.[1]);
    const env = {
      ...process.env,
      INTERNAL_SECRET: 'test-internal-secret-0123456789abcdef-0123456789',
      ARASUL_VAR: h.varDir,
      LLM_QUEUE_URL: h.embed.url,
      DOCUMENTS_LEASE_SECONDS: '5',
      DOCUMENTS_WATCHDOG_INTERVAL_MS: '500',
      BENCH_DB_URL: h.infra.database.url,
      BENCH_NAMESPACE: h.infra.namespace,
      BENCH_S3_PORT: String(s3Port),
    };
    // node itself with tsx as a loader, so SIGKILL reaches the worker (tsx's CLI would leave its child running).
    const startWorker = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'document-indexer/worker.ts')], {
        env: { ...env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.test.json') },
        stdio: ['ignore', 'pipe', 'inherit'],
        cwd: join(ROOT, 'services/document-indexer'),
      });
    h.embed.delayMs = 200; // slow enough that the kill lands mid-ingest
    let worker = startWorker();
    const inProgress = async () =>
      (await Promise.all(ids.map((id) => h.services.documents.get(id)))).filter(
        (d) => !['pending', 'indexed'].includes(d.status),
      ).length;
    const killDeadline = Date.now() + 60_000;
    while ((await inProgress()) === 0 && Date.now() < killDeadline) await sleep(20);
    const indexedAtKill = (await Promise.all(ids.map((id) => h.services.documents.get(id)))).filter(
      (d) => d.status === 'indexed',
    ).length;
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    h.embed.delayMs = 0;
    const restarted = performance.now();
    worker = startWorker();
    try {
      for (const id of ids) await settle(h, id, 180_000);
      const final = await Promise.all(ids.map((id) => h.services.documents.get(id)));
      const stuck = final.filter((d) => !['indexed', 'partial', 'failed'].includes(d.status)).length;
      let consistent = 0;
      for (const d of final) {
        const rows = await h.infra.database.db
          .selectFrom('document_chunks')
          .select('id')
          .where('document_id', '=', d.id)
          .execute();
        const points = await h.infra.database.db
          .selectFrom('document_vectors')
          .select('id')
          .where('document_id', '=', d.id)
          .execute();
        if (rows.length === d.chunkCount && points.length === d.chunkCount) consistent += 1;
      }
      const attempts = Math.max(...final.map((d) => d.attempts));
      record['kill -9 during ingest of 20 files'] =
        `${stuck} stuck after restart; ${final.filter((d) => d.status === 'indexed').length}/20 indexed ` +
        `(${indexedAtKill} were done at the kill), ${consistent}/20 with chunks = vectors = chunk_count, ` +
        `max attempts ${attempts}, all done ${((performance.now() - restarted) / 1000).toFixed(1)} s after the restart (lease 5 s)`;
      void documentsRepository;
    } finally {
      worker.kill('SIGKILL');
    }
  } finally {
    server.close();
    await h.close();
  }
  say('\n| what | measured |\n|---|---|');
  for (const [what, value] of Object.entries(results)) say(`| ${what} | ${value} |`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
