import { chunkDocument } from '../src/pipeline/chunker';
import { detectType, sanitizeFilename } from '../src/pipeline/detect-type';
import { detectLanguage } from '../src/pipeline/language';
import type { Block } from '../src/pipeline/parsed-document';
import { decodeText } from '../src/pipeline/parsers/decode-text';
import { htmlBlocks } from '../src/pipeline/parsers/html.parser';
import { parseCsv, tableBlocks } from '../src/pipeline/parsers/text.parser';

describe('detectType', () => {
  const pdf = Buffer.from('%PDF-1.7\n...');
  it('decides by content and lets the extension choose only among text formats', () => {
    expect(detectType(pdf, 'a.pdf')).toMatchObject({ ok: true, kind: 'pdf' });
    expect(detectType(pdf, 'ohne-endung')).toMatchObject({ ok: true, kind: 'pdf' });
    expect(detectType(Buffer.from('a;b\n1;2'), 'x.csv')).toMatchObject({ ok: true, kind: 'csv' });
    expect(detectType(Buffer.from('# Titel'), 'x.md')).toMatchObject({ ok: true, kind: 'md' });
    expect(detectType(Buffer.from('<!DOCTYPE html><p>x'), 'seite')).toMatchObject({ ok: true, kind: 'html' });
    expect(
      detectType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'scan.png'),
    ).toMatchObject({
      ok: true,
      kind: 'png',
    });
  });
  it('refuses a mismatch or an unknown type, naming what the content is', () => {
    expect(detectType(pdf, 'a.docx')).toEqual({ ok: false, detected: 'application/pdf', reason: 'mismatch' });
    expect(detectType(Buffer.from('plain text'), 'a.pdf')).toEqual({
      ok: false,
      detected: 'text/plain',
      reason: 'mismatch',
    });
    expect(detectType(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00]), 'a.zip')).toMatchObject({
      ok: false,
      detected: 'application/zip',
    });
    expect(detectType(Buffer.from('text'), 'programm.exe')).toMatchObject({
      ok: false,
      reason: 'unsupported',
    });
  });
  it('sanitizes names: no path parts, no control characters, capped length', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('C:\\Users\\x\\Bericht\u0007.pdf')).toBe('Bericht.pdf');
    expect(sanitizeFilename(`${'a'.repeat(400)}.pdf`)).toHaveLength(255);
    expect(sanitizeFilename(`${'a'.repeat(400)}.pdf`).endsWith('.pdf')).toBe(true);
    expect(sanitizeFilename('...')).toBe('dokument');
  });
});

describe('chunkDocument', () => {
  const sentence = (i: number): string => `Dies ist Satz Nummer ${i} mit einigen Wörtern über das Thema.`;
  const paragraph = (from: number, count: number): string =>
    Array.from({ length: count }, (_, i) => sentence(from + i)).join(' ');

  it('cuts child chunks of about 150–250 words with ~30 words of overlap, and is deterministic', () => {
    const blocks: Block[] = [
      { kind: 'heading', text: 'Kapitel 1', level: 1, page: 1 },
      { kind: 'paragraph', text: paragraph(1, 60), level: 0, page: 1 },
      { kind: 'paragraph', text: paragraph(61, 60), level: 0, page: 2 },
    ];
    const { chunks, sections } = chunkDocument(blocks);
    expect(sections).toHaveLength(1);
    expect(sections[0]?.headingPath).toEqual(['Kapitel 1']);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.wordCount).toBeGreaterThanOrEqual(150);
      expect(chunk.wordCount).toBeLessThanOrEqual(250 + 31);
    }
    const [first, second] = chunks;
    const tail = first?.content.split(/\s+/).slice(-30).join(' ') ?? '';
    expect(second?.content.startsWith(tail)).toBe(true);
    expect(chunks[0]?.pageStart).toBe(1);
    expect(chunks.at(-1)?.pageEnd).toBe(2);
    expect(chunkDocument(blocks)).toEqual({ chunks, sections });
  });

  it('starts new sections at German legal markers and keeps the heading path', () => {
    const blocks: Block[] = [
      { kind: 'heading', text: 'Mietvertrag', level: 1, page: null },
      { kind: 'paragraph', text: '§ 1 Mietsache\nDie Wohnung liegt im zweiten Stock.', level: 0, page: null },
      {
        kind: 'paragraph',
        text: '§ 2 Miete\n(1) Die Miete beträgt 900 Euro.\n(2) Sie ist monatlich fällig.',
        level: 0,
        page: null,
      },
    ];
    const { chunks } = chunkDocument(blocks, {
      minWords: 150,
      maxWords: 250,
      overlapWords: 30,
      maxSectionWords: 2000,
      tinyWords: 0,
    });
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['Mietvertrag', '§ 1 Mietsache'],
      ['Mietvertrag', '§ 2 Miete'],
    ]);
    expect(chunks[1]?.content).toContain('(2) Sie ist monatlich fällig.');
  });

  it('merges a tiny trailing fragment into the chunk before it', () => {
    const blocks: Block[] = [{ kind: 'paragraph', text: `${paragraph(1, 16)} Ende.`, level: 0, page: null }];
    const { chunks } = chunkDocument(blocks);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.content.endsWith('Ende.')).toBe(true);
  });
});

describe('text formats', () => {
  it('decodes UTF-8 (with BOM), Windows-1252 and ISO-8859-1 with umlauts intact', () => {
    expect(decodeText(Buffer.from('\uFEFFGrüße', 'utf8'))).toEqual({ text: 'Grüße', charset: 'utf-8' });
    expect(decodeText(Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x20, 0x80])).text).toBe('Grüße €');
    expect(decodeText(Buffer.from('Größe Äpfel Übung', 'latin1')).text).toBe('Größe Äpfel Übung');
  });
  it('drops scripts and styles from HTML and keeps headings', () => {
    const { blocks, title } = htmlBlocks(
      '<html><head><title>Seite</title><style>p{}</style></head><body><h2>Preise</h2><script>alert(1)</script><p>Ein &amp; zwei</p></body></html>',
    );
    expect(title).toBe('Seite');
    expect(blocks).toEqual([
      { kind: 'heading', text: 'Preise', level: 2, page: null },
      { kind: 'paragraph', text: 'Ein & zwei', level: 0, page: null },
    ]);
  });
  it('reads CSV rows with quotes and semicolons as "Header: value" lines', () => {
    const rows = parseCsv('Name;Ort\n"Müller; Hans";Köln\nSchmidt;"Berlin ""Mitte"""\n');
    expect(rows).toEqual([
      ['Name', 'Ort'],
      ['Müller; Hans', 'Köln'],
      ['Schmidt', 'Berlin "Mitte"'],
    ]);
    expect(tableBlocks(rows, null).map((b) => b.text)).toEqual([
      'Name: Müller; Hans; Ort: Köln',
      'Name: Schmidt; Ort: Berlin "Mitte"',
    ]);
  });
  it('detects German and English', () => {
    expect(detectLanguage('Der Vertrag ist mit der Unterschrift gültig und wird nicht verlängert.')).toBe(
      'de',
    );
    expect(detectLanguage('The contract is valid with the signature and will not be renewed.')).toBe('en');
    expect(detectLanguage('12345')).toBeNull();
  });
});
