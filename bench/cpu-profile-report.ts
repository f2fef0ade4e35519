/**
 * Turns a V8 CPU profile (`node --cpu-prof`, e.g. from `BENCH_GATEWAY_NODE_ARGS=--cpu-prof` in
 * gateway.bench.ts) into a flame graph (SVG, no scripts: every frame has a <title> tooltip) and a short
 * Markdown summary: self time by area (node:http, express, ioredis, the gateway's own code, GC …) and the
 * top functions by self time. Idle time (`(idle)`, `(program)`) is left out of every percentage.
 *
 *   pnpm --filter @arasul/gateway exec tsx ../../bench/cpu-profile-report.ts <profile.cpuprofile> <out-prefix>
 *   → <out-prefix>.svg and <out-prefix>.md
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const IDLE = new Set(['(idle)', '(program)', '(root)']);

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (url === '') return name.startsWith('(') ? name : 'V8 builtins / native';
  if (url.includes('/services/gateway/')) return 'gateway (own code)';
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.includes('/packages/')) return `@arasul/${/\/packages\/([^/]+)/.exec(url)?.[1] ?? '?'}`;
  if (url.startsWith('node:')) {
    const module = url.slice(5);
    if (module.startsWith('_http') || module === 'http') return 'node:http';
    if (module === 'net' || module.startsWith('internal/stream_base') || module.includes('tcp'))
      return 'node:net';
    if (module.includes('streams') || module === 'stream') return 'node:stream';
    return `node:${module.split('/').slice(0, 2).join('/')}`;
  }
  return url;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

function main(): void {
  const [file, outPrefix] = process.argv.slice(2);
  if (file === undefined || outPrefix === undefined)
    throw new Error('usage: cpu-profile-report <profile> <out-prefix>');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const label = (n: ProfileNode) => {
    const name = n.callFrame.functionName || '(anonymous)';
    const where = n.callFrame.url
      .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/^.*\/(services|packages)\//, '$1/');
    return where === '' ? name : `${name} ${where}:${n.callFrame.lineNumber + 1}`;
  };

  // Total (inclusive) samples per node, idle roots excluded.
  const total = new Map<number, number>();
  const sum = (id: number): number => {
    const node = byId.get(id);
    if (node === undefined) return 0;
    let t =
      IDLE.has(node.callFrame.functionName) && node.callFrame.url === '' && node.id !== profile.nodes[0]?.id
        ? 0
        : (node.hitCount ?? 0);
    for (const child of node.children ?? []) t += sum(child);
    total.set(id, t);
    return t;
  };
  const root = profile.nodes[0];
  if (root === undefined) throw new Error('empty profile');
  sum(root.id);
  const busy = (total.get(root.id) ?? 0) - (root.hitCount ?? 0);

  // Self time by area and by function.
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || (IDLE.has(node.callFrame.functionName) && node.callFrame.url === '')) continue;
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + hits);
    const f = label(node);
    functions.set(f, (functions.get(f) ?? 0) + hits);
  }
  const pct = (n: number) => `${((100 * n) / busy).toFixed(1)} %`;
  const md: string[] = [
    `Profile ${file.split('/').at(-1) ?? file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ` +
      `${profile.samples.length} samples (${msPerSample.toFixed(2)} ms each), busy (not idle) ${((busy * msPerSample) / 1000).toFixed(1)} s.`,
    '',
    '| area (self time) | share of busy CPU |',
    '|---|---|',
    ...[...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([a, n]) => `| ${a} | ${pct(n)} |`),
    '',
    '| function (self time) | share |',
    '|---|---|',
    ...[...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([f, n]) => `| \`${f}\` | ${pct(n)} |`),
  ];
  writeFileSync(`${outPrefix}.md`, `${md.join('\n')}\n`);

  // Flame graph: x by inclusive samples, one row per stack depth, frames under 0.05 % left out.
  const width = 1600;
  const rowHeight = 16;
  const rects: string[] = [];
  let maxDepth = 0;
  const draw = (id: number, x: number, depth: number) => {
    const node = byId.get(id);
    const t = total.get(id) ?? 0;
    if (node === undefined || t === 0) return;
    const w = (t / busy) * width;
    if (w < width * 0.0005) return;
    maxDepth = Math.max(maxDepth, depth);
    if (depth > 0) {
      const text = label(node);
      const hue = area(node.callFrame.url, node.callFrame.functionName).startsWith('gateway')
        ? 200
        : 20 + ((text.length * 7) % 40);
      rects.push(
        `<g><title>${escapeXml(`${text} — ${pct(t)}`)}</title><rect x="${x.toFixed(1)}" y="${depth}" width="${w.toFixed(1)}" height="${rowHeight - 1}" fill="hsl(${hue},70%,60%)"/>` +
          (w > 40
            ? `<text x="${(x + 3).toFixed(1)}" y="${depth}" dy="12" font-size="11" font-family="monospace">${escapeXml(text.slice(0, Math.floor(w / 7)))}</text>`
            : '') +
          '</g>',
      );
    }
    let cx = x;
    for (const child of node.children ?? []) {
      draw(child, cx, depth + 1);
      cx += ((total.get(child) ?? 0) / busy) * width;
    }
  };
  draw(root.id, 0, 0);
  // Rows were drawn top-down by depth; flip so the root is at the bottom (classic flame graph).
  const height = (maxDepth + 1) * rowHeight;
  const svg = rects.map((r) =>
    r.replace(/ y="(\d+)"/g, (_m, d: string) => ` y="${height - (Number(d) + 1) * rowHeight}"`),
  );
  writeFileSync(
    `${outPrefix}.svg`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n${svg.join('\n')}\n</svg>\n`,
  );
}

main();
