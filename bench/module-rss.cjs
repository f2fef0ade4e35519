// What loading code costs: requires the given built files (as a service's main.ts would, without starting
// it), lets the process settle, runs a full GC and prints the resident set, the heap, and the loaded modules
// per package (the largest 25). Node flags go before the script; STUB=a,b replaces the named modules
// (package names or path endings) by empty stand-ins, to see what one dependency adds.
//
//   node --expose-gc [--optimize-for-size --max-semi-space-size=1] bench/module-rss.cjs <file.js> …
const Module = require('node:module');
const path = require('node:path');
const { setTimeout } = require('node:timers');

const stubs = (process.env.STUB ?? '').split(',').filter(Boolean);
if (stubs.length > 0) {
  const load = Module._load;
  const empty = new Proxy(
    function stub() {
      return {};
    },
    {
      get: (target, key) => (key === '__esModule' ? true : target),
      apply: () => ({}),
      construct: () => ({}),
    },
  );
  Module._load = function (request, ...rest) {
    if (stubs.some((s) => request === s || request.endsWith(`/${s}`) || request.endsWith(`/${s}.js`)))
      return empty;
    return load.call(this, request, ...rest);
  };
}

for (const file of process.argv.slice(2)) require(path.resolve(file));

setTimeout(() => {
  globalThis.gc?.();
  setTimeout(() => {
    const perPackage = new Map();
    for (const file of Object.keys(require.cache)) {
      const dep = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      const own = /\/((?:packages|services)\/[^/]+)\//.exec(file)?.[1];
      const key = dep ?? own ?? 'other';
      perPackage.set(key, (perPackage.get(key) ?? 0) + 1);
    }
    const mib = (bytes) => (bytes / 1048576).toFixed(1);
    const { rss, heapUsed } = process.memoryUsage();
    const top = [...perPackage].sort((a, b) => b[1] - a[1]).slice(0, 25);
    process.stdout.write(
      `rss ${mib(rss)} MiB, heap used ${mib(heapUsed)} MiB, ${Object.keys(require.cache).length} modules\n` +
        `${top.map(([name, n]) => `${name}:${n}`).join(' ')}\n`,
    );
  }, 300);
}, 300);
