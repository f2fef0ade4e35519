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

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['packages', 'services', 'test']
    .filter((dir) => fs.existsSync(path.join(__dirname, dir)))
    .map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/test/**/*.test.ts', '<rootDir>/services/dashboard/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc, '^.+\\.tsx$': swcTsx },
  moduleNameMapper: {
    '^@arasul/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@arasul/([a-z-]+)/(.+)$': '<rootDir>/packages/$1/src/$2',
  },
  globalSetup: '<rootDir>/packages/testkit/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/packages/testkit/src/jest-global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 3,
};
