import { createEnvelope } from '@arasul/contracts';
import { describeEvent } from '../src/routing/event-catalog';
import { isQuietTime } from '../src/routing/quiet-hours';
import { patternMatches } from '../src/routing/routing.service';
import { RateLimiter } from '../src/outbox/rate-limiter';
import { SecretBox } from '../src/shared/secret-box';
import { formatGroupMessage } from '../src/outbox/message.format';

const BERLIN = 'Europe/Berlin';
const nights = {
  mon: null,
  tue: null,
  wed: null,
  thu: null,
  fri: { start: '22:00', end: '07:00' },
  sat: null,
  sun: null,
};

describe('quiet hours', () => {
  it('cover a window that crosses midnight into the next day', () => {
    // Friday 2026-03-06 23:30 Berlin (UTC+1) and Saturday 06:59.
    expect(isQuietTime(new Date('2026-03-06T22:30:00Z'), nights, BERLIN)).toBe(true);
    expect(isQuietTime(new Date('2026-03-07T05:59:00Z'), nights, BERLIN)).toBe(true);
    expect(isQuietTime(new Date('2026-03-07T06:00:00Z'), nights, BERLIN)).toBe(false); // Saturday 07:00
    expect(isQuietTime(new Date('2026-03-06T20:59:00Z'), nights, BERLIN)).toBe(false); // Friday 21:59
    expect(isQuietTime(new Date('2026-03-05T22:30:00Z'), nights, BERLIN)).toBe(false); // Thursday night
  });

  it('follow the wall clock across the change to summer time', () => {
    // Clocks go 02:00 → 03:00 on Sunday 2026-03-29. Saturday 22:00–07:00 ends at 07:00 CEST = 05:00 UTC.
    const saturday = { ...nights, fri: null, sat: { start: '22:00', end: '07:00' } };
    expect(isQuietTime(new Date('2026-03-29T04:59:00Z'), saturday, BERLIN)).toBe(true); // 06:59 CEST
    expect(isQuietTime(new Date('2026-03-29T05:00:00Z'), saturday, BERLIN)).toBe(false); // 07:00 CEST
    // It started at 22:00 CET = 21:00 UTC on Saturday.
    expect(isQuietTime(new Date('2026-03-28T20:59:00Z'), saturday, BERLIN)).toBe(false);
    expect(isQuietTime(new Date('2026-03-28T21:00:00Z'), saturday, BERLIN)).toBe(true);
  });

  it('use the configured zone, not the server clock', () => {
    const day = { ...nights, fri: { start: '09:00', end: '17:00' } };
    expect(isQuietTime(new Date('2026-03-06T08:30:00Z'), day, BERLIN)).toBe(true); // 09:30 Berlin
    expect(isQuietTime(new Date('2026-03-06T08:30:00Z'), day, 'America/New_York')).toBe(false); // 03:30 NY
  });
});

describe('event catalog', () => {
  it('describes a known event from its payload', () => {
    const described = describeEvent(
      createEnvelope('service.status.changed', 'self-healing-agent', {
        service: 'llm-queue',
        status: 'exited',
        previousStatus: 'running',
        health: 'unhealthy',
      }),
    );
    expect(described).toMatchObject({
      severity: 'critical',
      subject: 'llm-queue',
      title: 'llm-queue is exited',
      groupable: true,
    });
  });

  it('ignores what is not worth a message and payloads that break their contract', () => {
    expect(
      describeEvent(createEnvelope('workflow.activity', 'n8n', { workflowName: 'x', status: 'success' })),
    ).toBeNull();
    expect(
      describeEvent(createEnvelope('metrics.alert.fired', 'metrics-collector', { metric: 'cpu' })),
    ).toBeNull();
  });

  it('takes an unknown event when it carries a severity', () => {
    expect(
      describeEvent(
        createEnvelope('n8n.invoice.overdue', 'n8n', {
          severity: 'warning',
          title: 'Invoice overdue',
          subject: 'R-17',
        }),
      ),
    ).toMatchObject({
      type: 'n8n.invoice.overdue',
      severity: 'warning',
      title: 'Invoice overdue',
      subject: 'R-17',
    });
    expect(describeEvent(createEnvelope('n8n.invoice.paid', 'n8n', { title: 'paid' }))).toBeNull();
  });

  it('matches rule patterns on whole segments', () => {
    expect(patternMatches('selfhealing.*', 'selfhealing.escalated')).toBe(true);
    expect(patternMatches('selfhealing.*', 'selfhealingx.escalated')).toBe(false);
    expect(patternMatches('*', 'anything.at.all')).toBe(true);
    expect(patternMatches('metrics.alert.fired', 'metrics.alert.resolved')).toBe(false);
  });
});

describe('rate limiter', () => {
  it('spaces messages to one chat, caps groups per minute and the bot per second', () => {
    let now = 0;
    const limiter = new RateLimiter(undefined, () => now);
    expect(limiter.waitMs('1')).toBe(0);
    limiter.record('1');
    expect(limiter.waitMs('1')).toBe(1150);
    expect(limiter.waitMs('2')).toBe(0);

    for (let i = 0; i < 20; i += 1) {
      now = i * 1200;
      expect(limiter.waitMs('-100')).toBe(0);
      limiter.record('-100');
    }
    now = 20 * 1200;
    expect(limiter.waitMs('-100')).toBe(60_150 - 20 * 1200);

    now = 100_000;
    for (let chat = 0; chat < 30; chat += 1) limiter.record(`c${String(chat)}`);
    expect(limiter.waitMs('fresh')).toBe(1150);
  });

  it('holds a chat for the retry_after Telegram asked for', () => {
    let now = 0;
    const limiter = new RateLimiter(undefined, () => now);
    limiter.pause('7', 5000);
    now = 4000;
    expect(limiter.waitMs('7')).toBe(1000);
  });
});

describe('secret box', () => {
  it('round-trips, refuses another key and another purpose', () => {
    const box = new SecretBox('a'.repeat(40));
    const sealed = box.seal('123:token', 'bot');
    expect(sealed.ciphertext).not.toContain('token');
    expect(box.open(sealed, 'bot')).toBe('123:token');
    expect(() => new SecretBox('b'.repeat(40)).open(sealed, 'bot')).toThrow();
    expect(() => box.open(sealed, 'webhook')).toThrow();
    expect(box.openBytes(box.sealToBytes('x', 'p'), 'p')).toBe('x');
  });
});

describe('group message', () => {
  it('names at most ten and counts the rest', () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({
      severity: 'warning' as const,
      title: `s${String(i)} restarted`,
    }));
    const text = formatGroupMessage(rows);
    expect(text.startsWith('⚠️ 12 more:\n• s0 restarted')).toBe(true);
    expect(text.endsWith('… and 2 more')).toBe(true);
  });
});
