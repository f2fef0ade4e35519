import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import JSZip from 'jszip';
import PDFDocument from 'pdfkit';
import { HealthRegistry, type Identity, type Role, signIdentity } from '@arasul/service-kit';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { type Services, createApp, createServices } from '../src/app';
import { LlmQueueEmbedder } from '../src/clients/embedding.client';
import { type IndexerConfig, parseIndexerConfig } from '../src/config';
import { runTool, toolAvailable } from '../src/pipeline/external-tools';
import { type ObjectStore, openObjectStore } from '../src/storage/object-store';
import { EmbeddedVectorStore } from '../src/vectors/embedded-vector-store';
import type { VectorStore } from '../src/vectors/vector-store';

export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef-0123456789';

/** A deterministic bag-of-words embedding: texts sharing words get similar vectors. */
export function wordEmbedding(text: string, dims: number): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/[a-zäöüß0-9]+/g) ?? []) {
    const hash = createHash('sha256').update(word).digest();
    for (let i = 0; i < 4; i += 1) {
      const slot = hash.readUInt16BE(i * 2) % dims;
      vector[slot] = (vector[slot] ?? 0) + ((hash[8 + i] ?? 0) % 2 === 0 ? 1 : -1);
    }
  }
  return vector;
}

/**
 * Stands in for llm-queue's `POST /internal/llm/embed` (its request and response shape, the bearer secret):
 * the indexer's real HTTP client talks to it. `down` answers 503 like llm-queue without a backend.
 */
export class EmbedEndpoint {
  down = false;
  dims = 64;
  delayMs = 0;
  readonly requests: { model: string; inputs: number; priority: string; source: string }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        void (async () => {
          if (req.headers.authorization !== `Bearer ${INTERNAL_SECRET}`) {
            res.writeHead(401).end();
            return;
          }
          if (this.delayMs > 0) await sleep(this.delayMs);
          if (this.down) {
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({ error: { code: 'backend_unavailable', message: 'Ollama is not reachable.' } }),
            );
            return;
          }
          const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
            model: string;
            input: string[];
            priority: string;
            source: string;
          };
          this.requests.push({
            model: body.model,
            inputs: body.input.length,
            priority: body.priority,
            source: body.source,
          });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              jobId: '00000000-0000-4000-8000-000000000000',
              model: body.model,
              embeddings: body.input.map((t) => wordEmbedding(t, this.dims)),
            }),
          );
        })();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export interface IndexerHarness {
  infra: ServiceTestInfra;
  config: IndexerConfig;
  app: Express;
  services: Services;
  objects: ObjectStore;
  vectors: VectorStore;
  embed: EmbedEndpoint;
  varDir: string;
  close(): Promise<void>;
}

/** The real indexer on a per-file database, bus namespace and embedded S3 server; workers started. */
export async function startIndexer(
  env: Record<string, string> = {},
  options: { startWorkers?: boolean; ocr?: boolean } = {},
): Promise<IndexerHarness> {
  const infra = await createServiceTestInfra('document-indexer', ['document.#']);
  if (process.env.INDEXER_TEST_LOG === '1')
    infra.logger = (await import('@arasul/service-kit')).createLogger({
      service: 'test',
      format: 'pretty',
      level: 'debug',
    });
  const admin = await infra.database.db
    .insertInto('admin_users')
    .values({ username: 'admin', password_hash: 'x', role: 'admin' })
    .returning('id')
    .executeTakeFirstOrThrow();
  testUserId = admin.id;
  const embed = new EmbedEndpoint();
  await embed.start();
  const varDir = await mkdtemp(join(tmpdir(), 'arasul-indexer-test-'));
  const config = parseIndexerConfig({
    NODE_ENV: 'test',
    INTERNAL_SECRET,
    ARASUL_VAR: varDir,
    EMBEDDED_S3_PORT: '0',
    LLM_QUEUE_URL: embed.url,
    DOCUMENTS_WATCHDOG_INTERVAL_MS: '200',
    DOCUMENTS_SWEEP_INTERVAL_MS: '600000',
    EMBEDDING_RETRY_INTERVAL_MS: '600000',
    ...env,
  });
  const objects = await openObjectStore({
    endpoint: undefined,
    port: 9000,
    useSSL: false,
    accessKey: config.MINIO_ACCESS_KEY,
    secretKey: config.MINIO_SECRET_KEY,
    region: config.MINIO_REGION,
    bucket: config.DOCUMENTS_BUCKET,
    embeddedDirectory: join(varDir, 'objects'),
    embeddedPort: 0,
  });
  const vectors = new EmbeddedVectorStore(infra.database.db);
  const embedder = new LlmQueueEmbedder({
    baseUrl: config.LLM_QUEUE_URL,
    internalSecret: INTERNAL_SECRET,
    model: config.EMBEDDING_MODEL,
    timeoutMs: 10_000,
  });
  const ocrAvailable = options.ocr ?? (await toolAvailable(config.TESSERACT_BIN));
  const deps = {
    config,
    logger: infra.logger,
    health: new HealthRegistry('document-indexer'),
    db: infra.database.db,
    bus: infra.bus,
    objects,
    vectors,
    embedder,
    ocrAvailable,
  };
  const services = createServices(deps);
  if (options.startWorkers ?? true) await services.startWorkers();
  return {
    infra,
    config,
    app: createApp(deps, services),
    services,
    objects,
    vectors,
    embed,
    varDir,
    close: async () => {
      await services.stopWorkers();
      await objects.close();
      await embed.stop();
      await infra.close();
      await rm(varDir, { recursive: true, force: true });
    },
  };
}

let testUserId = 1;

export function identityHeader(
  role: Role = 'operator',
  overrides: Partial<Identity> = {},
): Record<string, string> {
  const identity: Identity = {
    userId: testUserId,
    username: 'admin',
    role,
    authType: 'jwt',
    scopes: [],
    ...overrides,
  };
  return { 'x-arasul-identity': signIdentity(identity, INTERNAL_SECRET) };
}

/** A PDF with text on each page (pdfkit); `pages` strings, one per page. */
export function makePdf(
  pages: string[],
  options: { userPassword?: string; title?: string; fontSize?: number } = {},
): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({
      autoFirstPage: false,
      ...(options.userPassword === undefined ? {} : { userPassword: options.userPassword }),
      info: { Title: options.title ?? 'Testdokument' },
    });
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    doc.on('end', () => resolve(Buffer.concat(parts)));
    for (const text of pages) {
      doc.addPage();
      doc.fontSize(options.fontSize ?? 12).text(text);
    }
    doc.end();
  });
}

/** A PDF whose only page is an image (no text layer): a scan. */
export function makeScannedPdf(png: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ autoFirstPage: false });
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    doc.on('end', () => resolve(Buffer.concat(parts)));
    doc.addPage({ size: 'A4' });
    doc.image(png, 0, 0, { width: 595 });
    doc.end();
  });
}

/** A DOCX with heading paragraphs (Heading1 style) and body paragraphs. */
export async function makeDocx(parts: { heading?: string; text?: string }[]): Promise<Buffer> {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = parts
    .map((p) =>
      p.heading !== undefined
        ? `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>${esc(p.heading)}</w:t></w:r></w:p>`
        : `<w:p><w:r><w:t xml:space="preserve">${esc(p.text ?? '')}</w:t></w:r></w:p>`,
    )
    .join('');
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/_rels/document.xml.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  );
  zip.file(
    'word/styles.xml',
    '<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style></w:styles>',
  );
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: 'nodebuffer' });
}

/** Polls until `check` returns a value, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A PNG "scan" of printed text: a PDF page rendered by poppler at 150 dpi. */
export async function makeScanPng(text: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'scan-'));
  try {
    await writeFile(join(dir, 'page.pdf'), await makePdf([text], { fontSize: 28 }));
    const result = await runTool(
      'pdftoppm',
      ['-r', '150', '-png', '-singlefile', join(dir, 'page.pdf'), join(dir, 'page')],
      { timeoutMs: 30_000 },
    );
    if (result.code !== 0) throw new Error(result.stderr);
    return await readFile(join(dir, 'page.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
