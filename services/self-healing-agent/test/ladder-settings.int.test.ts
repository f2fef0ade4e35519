import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { selfHealingEventsPageSchema, selfHealingSettingsSchema } from '@arasul/contracts';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import {
  type Harness,
  asCaller,
  createUser,
  eventsOf,
  eventually,
  identity,
  startHarness,
  testPort,
} from './helpers';

jest.setTimeout(120_000);

describe('escalation ladder, settings and the incident timeline', () => {
  let infra: ServiceTestInfra;
  let h: Harness;
  beforeAll(async () => {
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#']);
    h = await startHarness(
      [
        { name: 'api', port: testPort(5), env: { FAKE_DEP_DOWN: 'store' } },
        { name: 'store', port: testPort(6) },
      ],
      {},
      infra,
    );
  });
  afterAll(async () => {
    await h.close();
    await infra.close();
  });

  it('validates settings and lets only admins change them', async () => {
    const admin = await createUser(h.db, 'ops-admin', 'admin');
    const current = selfHealingSettingsSchema.parse(
      (await request(h.app).get('/api/self-healing/settings').set(asCaller(admin)).expect(200)).body,
    );
    expect(current).toMatchObject({
      budgetActions: 5,
      budgetWindowMinutes: 30,
      backoffBaseSeconds: 10,
      unreadySeconds: 5,
    });

    await request(h.app)
      .get('/api/self-healing/settings')
      .set(asCaller(identity('viewer')))
      .expect(403);
    const bad = await request(h.app)
      .put('/api/self-healing/settings')
      .set(asCaller(admin))
      .send({ ...current, backoffBaseSeconds: 60, backoffMaxSeconds: 30, exclude: ['Not A Name'] })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(bad.body.error.details)).toContain('backoffMaxSeconds');

    const saved = await request(h.app)
      .put('/api/self-healing/settings')
      .set(asCaller(admin))
      .send({ ...current, backoffBaseSeconds: 1, backoffMaxSeconds: 10 })
      .expect(200);
    expect(saved.body).toMatchObject({ backoffBaseSeconds: 1, backoffMaxSeconds: 10 });
    const row = await h.db.selectFrom('self_healing_settings').selectAll().executeTakeFirstOrThrow();
    expect(row.updated_by).toBe(admin.userId);
  });

  it('climbs restart → stop+start → its dependency first → critical incident', async () => {
    const storePid = h.pidOf('store');
    writeFileSync(join(h.root, 'dep-down-api'), 'x'); // api now says its dependency "store" is down

    const actions = await eventually(
      async () => {
        const rows = (await eventsOf(h.db, 'api')).filter((e) => e.event_type === 'action');
        return rows.length >= 3 ? rows : undefined;
      },
      'three actions on api',
      60_000,
    );
    expect(actions.map((a) => a.action_taken)).toEqual([
      'restart_service',
      'stop_start_service',
      'restart_dependency',
    ]);
    expect(actions[2]?.metadata).toMatchObject({ dependency: 'store', attempt: 3 });
    expect(h.pidOf('store')).not.toBe(storePid);

    const escalated = await infra.events.waitFor('selfhealing.escalated', (p) => p.target === 'api', 30_000);
    expect(escalated.payload).toMatchObject({ cause: 'ladder_exhausted', quarantined: false, attempts: 4 });
  });

  it('pages the incident timeline with filters', async () => {
    const admin = asCaller(identity('viewer'));
    const first = selfHealingEventsPageSchema.parse(
      (await request(h.app).get('/api/self-healing/events?service=api&limit=2').set(admin).expect(200)).body,
    );
    expect(first.events).toHaveLength(2);
    expect(first.events.every((e) => e.service === 'api')).toBe(true);
    expect(first.nextCursor).not.toBeNull();
    const second = selfHealingEventsPageSchema.parse(
      (
        await request(h.app)
          .get(`/api/self-healing/events?service=api&limit=2&before=${String(first.nextCursor)}`)
          .set(admin)
          .expect(200)
      ).body,
    );
    expect(Math.max(...second.events.map((e) => e.id))).toBeLessThan(
      Math.min(...first.events.map((e) => e.id)),
    );

    const critical = selfHealingEventsPageSchema.parse(
      (await request(h.app).get('/api/self-healing/events?severity=CRITICAL').set(admin).expect(200)).body,
    );
    expect(critical.events.some((e) => e.eventType === 'escalated' && e.service === 'api')).toBe(true);
    const bad = await request(h.app).get('/api/self-healing/events?limit=5000').set(admin).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});
