import { sql } from 'kysely';
import { HealthRegistry } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { RetentionJob } from '../src/retention/retention.job';
import { type TestContext, createTestContext, createUser, login } from './helpers';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

describe('retention', () => {
  it('deletes old login attempts, expired blacklist entries and ended sessions, and keeps the rest', async () => {
    const user = await createUser(ctx, { username: 'rita', password: 'rita-password-1' });
    const old = await login(ctx.app, 'rita', 'rita-password-1');
    const fresh = await login(ctx.app, 'rita', 'rita-password-1');
    await ctx.db
      .insertInto('login_attempts')
      .values([
        {
          username: 'rita',
          ip_address: '10.0.0.1',
          success: false,
          outcome: 'invalid_credentials',
          attempted_at: sql`now() - interval '31 days'`,
        },
        {
          username: 'rita',
          ip_address: '10.0.0.1',
          success: false,
          outcome: 'invalid_credentials',
          attempted_at: sql`now() - interval '29 days'`,
        },
      ])
      .execute();
    await ctx.db
      .insertInto('token_blacklist')
      .values([
        { token_jti: 'expired-jti', user_id: user.id, expires_at: sql`now() - interval '1 minute'` },
        { token_jti: 'live-jti', user_id: user.id, expires_at: sql`now() + interval '10 minutes'` },
      ])
      .execute();
    await ctx.db
      .updateTable('active_sessions')
      .set({ expires_at: sql`now() - interval '2 days'` })
      .where('id', '=', old.identity.sessionId ?? 0)
      .execute();

    const health = new HealthRegistry('auth');
    const job = new RetentionJob(
      ctx.db,
      { intervalSeconds: 3600, loginAttemptsDays: 30 },
      health,
      createSilentLogger(),
    );
    const report = await job.runOnce();
    expect(report).toMatchObject({ login_attempts: 1, token_blacklist: 1, active_sessions: 1 });

    const attempts = await ctx.db
      .selectFrom('login_attempts')
      .select('attempted_at')
      .where('ip_address', '=', '10.0.0.1')
      .execute();
    expect(attempts).toHaveLength(1);
    const jtis = (await ctx.db.selectFrom('token_blacklist').select('token_jti').execute()).map(
      (r) => r.token_jti,
    );
    expect(jtis).toEqual(['live-jti']);
    const sessions = (await ctx.db.selectFrom('active_sessions').select('id').execute()).map((r) => r.id);
    expect(sessions).toEqual([fresh.identity.sessionId]);
    // The refresh and access token rows of the deleted session went with it.
    const orphans = await ctx.db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('session_id', '=', old.identity.sessionId ?? 0)
      .execute();
    expect(orphans).toEqual([]);
  });

  it('reports each run as the retention loop in /health/ready', async () => {
    const health = new HealthRegistry('auth');
    const job = new RetentionJob(
      ctx.db,
      { intervalSeconds: 1, loginAttemptsDays: 30 },
      health,
      createSilentLogger(),
    );
    job.start();
    const deadline = Date.now() + 5000;
    while ((await health.readiness()).loops.retention?.runs === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await job.stop();
    const loop = (await health.readiness()).loops.retention;
    expect(loop?.runs).toBeGreaterThanOrEqual(1);
    expect(loop?.lastError).toBeNull();
  });
});
