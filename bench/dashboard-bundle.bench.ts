/**
 * What does the dashboard cost a browser on its first visit? Builds services/dashboard (Vite) and reports,
 * gzipped (level 9, what a compressing proxy would send; the gateway itself compresses nothing):
 *   initial  the JavaScript index.html loads before the first page can run (entry + modulepreload), and its CSS
 *   routes   each lazily loaded chunk (pages, settings tabs)
 * Budget: initial JavaScript ≤ 250 KiB gzipped. Exit code 1 when it is over.
 *
 *   pnpm --filter @arasul/gateway exec tsx ../../bench/dashboard-bundle.bench.ts
 *   BENCH_SKIP_BUILD=1 measures the existing dist/. Sizes in KiB.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const dashboard = resolve(__dirname, '..', 'services', 'dashboard');
const dist = join(dashboard, 'dist');
const BUDGET_KB = 250;

if (process.env.BENCH_SKIP_BUILD !== '1') {
  execFileSync('pnpm', ['--filter', '@arasul/dashboard', 'build'], { stdio: 'ignore' });
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const sizes = (file: string) => {
  const raw = readFileSync(join(dist, file));
  return { raw: kb(raw.length), gzip: kb(gzipSync(raw, { level: 9 }).length) };
};

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initialJs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
const initialCss = [...html.matchAll(/href="\/(assets\/[^"]+\.css)"/g)].map((m) => m[1]!);
const all = readdirSync(join(dist, 'assets')).map((f) => `assets/${f}`);

const rows = (files: string[]) => files.map((file) => ({ file, ...sizes(file) }));
const total = (list: { raw: number; gzip: number }[]) => ({
  raw: kb(list.reduce((s, r) => s + r.raw * 1024, 0)),
  gzip: kb(list.reduce((s, r) => s + r.gzip * 1024, 0)),
});

const js = rows(initialJs);
const css = rows(initialCss);
const lazy = rows(all.filter((f) => !initialJs.includes(f) && !initialCss.includes(f)));

console.log('initial JavaScript (entry + modulepreload):');
for (const r of js)
  console.log(`  ${r.file.padEnd(40)} ${String(r.raw).padStart(7)} KiB  gzip ${r.gzip} KiB`);
const jsTotal = total(js);
console.log(
  `  ${'total'.padEnd(40)} ${String(jsTotal.raw).padStart(7)} KiB  gzip ${jsTotal.gzip} KiB (budget ${BUDGET_KB} KiB)`,
);
console.log('initial CSS:');
for (const r of css)
  console.log(`  ${r.file.padEnd(40)} ${String(r.raw).padStart(7)} KiB  gzip ${r.gzip} KiB`);
console.log('loaded on demand (routes, tabs, charts):');
for (const r of lazy)
  console.log(`  ${r.file.padEnd(40)} ${String(r.raw).padStart(7)} KiB  gzip ${r.gzip} KiB`);

if (jsTotal.gzip > BUDGET_KB) {
  console.log(`OVER BUDGET: ${jsTotal.gzip} KiB > ${BUDGET_KB} KiB`);
  process.exitCode = 1;
}
