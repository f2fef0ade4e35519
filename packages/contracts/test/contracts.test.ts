import {
  ROUTING_KEY_PATTERN,
  createEnvelope,
  envelopeSchema,
  eventSchemas,
  isEventType,
  jobSchemas,
  metricsAlertFiredSchema,
} from '@arasul/contracts';

describe('envelope', () => {
  it('creates an envelope that its own schema accepts', () => {
    const payload = {
      alertId: 7,
      metric: 'temperature',
      value: 91.5,
      threshold: 85,
      severity: 'critical',
      at: new Date().toISOString(),
    };
    const envelope = createEnvelope('metrics.alert.fired', 'metrics-collector', payload, 'req-1');
    const parsed = envelopeSchema(metricsAlertFiredSchema).parse(envelope);
    expect(parsed).toEqual(envelope);
    expect(parsed.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(createEnvelope('metrics.alert.fired', 'x', payload).requestId).toBeNull();
  });

  it('rejects an envelope with a bad id, type, timestamp or payload, naming the field', () => {
    const good = createEnvelope('system.boot', 'supervisor', { n: 1 });
    const schema = envelopeSchema(eventSchemas['metrics.alert.fired']);
    const paths = (value: unknown) =>
      (schema.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ ...good, id: 'not-a-uuid', payload: undefined })).toEqual(
      expect.arrayContaining(['id', 'payload']),
    );
    expect(paths({ ...good, type: 'NoDots' })).toContain('type');
    expect(paths({ ...good, occurredAt: 'yesterday' })).toContain('occurredAt');
  });
});

describe('registries', () => {
  it('names every event and job with a <domain>.<fact> routing key', () => {
    for (const key of [...Object.keys(eventSchemas), ...Object.keys(jobSchemas)]) {
      expect(key).toMatch(ROUTING_KEY_PATTERN);
    }
    expect(isEventType('auth.account.locked')).toBe(true);
    expect(isEventType('toString')).toBe(false); // own keys only, not the prototype's
  });

  it('holds the events the architecture names', () => {
    expect(Object.keys(eventSchemas).sort()).toEqual(
      [
        'auth.account.locked',
        'auth.login.failed',
        'document.status.changed',
        'llm.job.finished',
        'metrics.alert.fired',
        'metrics.alert.resolved',
        'selfhealing.action.taken',
        'selfhealing.escalated',
        'service.status.changed',
        'system.boot',
        'update.state.changed',
        'workflow.activity',
      ].sort(),
    );
  });

  it('refuses payloads outside the contract', () => {
    const locked = eventSchemas['auth.account.locked'];
    expect(
      locked.safeParse({
        userId: 1,
        username: 'admin',
        lockedUntil: new Date().toISOString(),
        failedAttempts: 5,
      }).success,
    ).toBe(true);
    expect(
      locked.safeParse({ userId: 0, username: 'admin', lockedUntil: 'soon', failedAttempts: 5 }).success,
    ).toBe(false);
    const alert = eventSchemas['metrics.alert.fired'];
    expect(
      alert.safeParse({
        alertId: 1,
        metric: 'fan',
        value: 1,
        threshold: 1,
        severity: 'warning',
        at: new Date().toISOString(),
      }).success,
    ).toBe(false);
  });
});
