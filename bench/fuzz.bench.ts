/**
 * The long run of the route-wide fuzz suite (test/fuzz/route-fuzz.int.test.ts runs 5,200 cases in CI):
 * the same platform (real gateway, auth, llm-queue, metrics-collector on one database; fake Ollama) and the
 * same fast-check generators, BENCH_FUZZ_RUNS cases (100,000) from BENCH_FUZZ_SEED (random unless set,
 * printed so a failure reproduces). Reports requests, status counts, 5xx, access-table violations, audit
 * rows against API requests, dropped audit rows, and requests per second.
 *
 *   pnpm --filter @arasul/gateway exec tsx --tsconfig ../../tsconfig.test.json ../../bench/fuzz.bench.ts
 *
 * Knobs (env): BENCH_FUZZ_RUNS (100000), BENCH_FUZZ_SEED, BENCH_FUZZ_CONCURRENCY (6).
 * Only loopback traffic; exits non-zero on any 5xx, violation or missing audit row.
 */
import { sql } from 'kysely';
import { prepareTemplates } from '@arasul/testkit';
import { startFuzzPlatform } from '../test/fuzz/fuzz-platform';
import { FuzzClient, fuzzTargets, prepareIdentities, runFuzz } from '../test/fuzz/fuzz-runner';

const RUNS = Number(process.env.BENCH_FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.BENCH_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(process.env.BENCH_FUZZ_CONCURRENCY ?? 6);

async function main(): Promise<void> {
  await prepareTemplates();
  const platform = await startFuzzPlatform();
  const client = new FuzzClient(platform.gatewayPort);
  try {
    const { targets, unlisted } = fuzzTargets(platform);
    if (unlisted.length > 0) throw new Error(`routes without an access-table row: ${unlisted.join(', ')}`);
    const identities = await prepareIdentities(client);
    process.stdout.write(
      `seed ${String(SEED)}, ${String(RUNS)} cases, ${String(targets.length)} routes, ${String(identities.length)} identities\n`,
    );
    const started = Date.now();
    const report = await runFuzz({
      platform,
      client,
      identities,
      targets,
      seed: SEED,
      runs: RUNS,
      concurrency: CONCURRENCY,
      progressEvery: 5000,
      onProgress: (done, serverErrors, violations) => {
        const perSecond = Math.round(done / ((Date.now() - started) / 1000));
        process.stdout.write(
          `progress ${String(done)} requests, ${String(serverErrors)} × 5xx, ${String(violations)} violations, ${String(perSecond)} req/s\n`,
        );
      },
    });
    const audit = platform.gateway.components.audit;
    for (let i = 0; i < 1000 && audit.stats().buffered > 0; i += 1) await audit.flush(true);
    const rows = await sql<{ count: string }>`SELECT count(*) AS count FROM api_audit_logs`.execute(
      platform.db,
    );
    const auditRows = Number(rows.rows[0]?.count ?? 0);
    const summary = {
      seed: SEED,
      requests: report.requests,
      apiRequests: client.apiSent,
      auditRows,
      auditDropped: audit.stats().dropped,
      serverErrors: report.serverErrors,
      violations: report.violationCount,
      byStatus: report.byStatus,
      seconds: Math.round(report.elapsedMs / 1000),
      requestsPerSecond: Math.round((report.requests / report.elapsedMs) * 1000),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    for (const v of report.violations.slice(0, 20)) process.stdout.write(`violation: ${JSON.stringify(v)}\n`);
    const ok =
      report.serverErrors === 0 &&
      report.violationCount === 0 &&
      auditRows === client.apiSent &&
      summary.auditDropped === 0;
    process.exitCode = ok ? 0 : 1;
  } finally {
    client.close();
    await platform.close();
  }
}

void main();
