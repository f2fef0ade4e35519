/** One jest run for the whole platform. `@arasul/*` resolves to each package's TypeScript source, so
 * tests never need a prior build. Integration tests (`*.int.test.ts`) get their own database, Redis
 * prefix and AMQP vhost from packages/testkit, so files run in parallel. */
const fs = require('node:fs');
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
// The dashboard's React sources (TSX, automatic JSX runtime); its unit tests live next to them in src/.
const swcTsx = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// ESM-only packages the dashboard renders Markdown with (react-markdown and the unified/micromark family):
// jest runs CommonJS, so these are compiled like our own sources; every other node_module is used as is.
const esmPackages = [
  'react-markdown',
  'remark-[a-z-]+',
  'rehype-[a-z-]+',
  'unified',
  'bail',
  'trough',
  'devlop',
  'vfile[a-z-]*',
  'unist-util-[a-z-]+',
  'mdast-util-[a-z-]+',
  'hast-util-[a-z-]+',
  'micromark[a-z-]*',
  'decode-named-character-reference',
  'character-[a-z-]+',
  'property-information',
  'space-separated-tokens',
  'comma-separated-tokens',
  'ccount',
  'escape-string-regexp',
  'markdown-table',
  'longest-streak',
  'zwitch',
  'html-url-attributes',
  'trim-lines',
  'estree-util-[a-z-]+',
  'is-plain-obj',
  'style-to-object',
  'inline-style-parser',
];
const swcJs = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['packages', 'services', 'test']
    .filter((dir) => fs.existsSync(path.join(__dirname, dir)))
    .map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/test/**/*.test.ts', '<rootDir>/services/dashboard/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc, '^.+\\.tsx$': swcTsx, '^.+\\.js$': swcJs },
  transformIgnorePatterns: [`^(?!.*/node_modules/\\.pnpm/(?:${esmPackages.join('|')})@).*/node_modules/`],
  moduleNameMapper: {
    '^@arasul/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@arasul/([a-z-]+)/(.+)$': '<rootDir>/packages/$1/src/$2',
    // `await import('./x.js')` (a lazily loaded module, Node16 resolution wants the extension) → x.ts.
    '^(\\.{1,2}/.+)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/packages/testkit/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/packages/testkit/src/jest-global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 3,
};
