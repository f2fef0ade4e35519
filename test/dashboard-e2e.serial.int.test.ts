import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page, Response as BrowserResponse } from 'playwright-core';
import { FakeOllama } from '@arasul/testkit';
import { axeViolations, expectAccessible } from './e2e/axe';
import { type LaunchedBrowser, launchChromium, screenshot } from './e2e/browser';
import { ROOT, ScratchPlatform } from './e2e/platform';

/**
 * The dashboard as a person uses it: real Chromium (Debian's, driven by playwright-core) against the
 * platform started natively by `scripts/arasul start` on scratch databases, with the wire-level fake
 * Ollama as the language model. One browser session walks through first-run setup, the live overview,
 * streaming chat (incremental, stop, reload mid-answer), an API key used from outside, sign-out, and the
 * login page's messages. Screenshots of every step go to var/test/screenshots (failures to .../failed).
 * Every step ends with axe-core checking the page it left the browser on: any violation fails the step.
 * Serial: it starts the whole platform on fixed ports.
 */
const RESULTS = join(ROOT, 'var', 'test');
const SHOTS = join(RESULTS, 'screenshots');
const MODEL = 'qwen3:8b';
const PASSWORD = 'Arasul-e2e-Passwort-1';
const DEFAULT_ANSWER = ['Hallo', ' aus', ' dem', ' Test.'];

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i} `);

async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const text = async (locator: Locator) => (await locator.textContent()) ?? '';

describe('dashboard (Chromium, native platform)', () => {
  jest.setTimeout(600_000);
  const ollama = new FakeOllama({
    models: [MODEL],
    defaultReply: { tokens: DEFAULT_ANSWER, tokenDelayMs: 5 },
  });
  const platform = new ScratchPlatform(28_300, {
    OLLAMA_URL: 'http://127.0.0.1:1', // replaced once the fake listens
    LLM_DEFAULT_MODEL: MODEL,
    METRICS_INTERVAL_MS: '1000',
    METRICS_FLUSH_INTERVAL_MS: '1000',
    RATE_LIMIT_LOGIN_PER_MINUTE: '60',
  });
  const base = platform.gatewayUrl;
  const numbers: Record<string, unknown> = {};
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let accessToken: string | null = null;

  /** Runs one step of the walk, then axe-core on the page; a screenshot either way (under failed/ when it threw). */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      await screenshot(page, SHOTS, name);
      await expectAccessible(page, name);
    } catch (error) {
      // (beforeAll may have failed before there was a page)
      if ((page as Page | undefined) !== undefined) await screenshot(page, join(SHOTS, 'failed'), name);
      throw error;
    }
  }

  async function rememberToken(response: BrowserResponse): Promise<void> {
    if (!/\/api\/auth\/(login|refresh|setup)$/.test(new URL(response.url()).pathname) || !response.ok())
      return;
    const body = (await response.json().catch(() => null)) as { accessToken?: string } | null;
    if (body?.accessToken) accessToken = body.accessToken;
  }

  async function send(message: string): Promise<void> {
    const input = page.getByTestId('chat-input');
    await input.fill(message);
    await input.press('Enter');
  }

  beforeAll(async () => {
    await ollama.start();
    platform.env.OLLAMA_URL = ollama.url;
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    const run = await platform.arasul('start');
    if (run.code !== 0) {
      throw new Error(
        `scripts/arasul start failed (${run.code}):\n${run.stdout}\n${run.stderr}\n${platform.log('supervisor')}`,
      );
    }
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('response', (response) => void rememberToken(response));
  });

  afterAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'dashboard-e2e-numbers.json'), `${JSON.stringify(numbers, null, 2)}\n`);
    await browser?.close();
    await platform.destroy();
    await ollama.close();
  });

  it('first run: the setup page creates the first administrator (rules shown while typing) and lands on the overview', async () => {
    await step('01-setup', async () => {
      await page.goto(`${base}/`);
      await page.getByRole('heading', { name: 'Willkommen bei Arasul' }).waitFor();
      const rules = page.getByTestId('password-rules');
      await page.getByLabel('Passwort', { exact: true }).fill('admin');
      expect(await rules.locator('li[data-ok="true"]').count()).toBe(0);
      await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Passwort wiederholen', { exact: true }).fill(PASSWORD);
      expect(await rules.locator('li[data-ok="false"]').count()).toBe(0);
      await screenshot(page, SHOTS, '01-setup-filled');
      // The check itself must be able to fail: an image without a text alternative is reported.
      await page.evaluate(
        'document.body.insertAdjacentHTML("beforeend", \'<img id="axe-probe" src="/favicon.svg">\')',
      );
      expect((await axeViolations(page)).join('\n')).toContain('image-alt');
      await page.evaluate('document.getElementById("axe-probe").remove()');
      await expectAccessible(page, 'the setup page');
      await page.getByRole('button', { name: 'Konto anlegen und starten' }).click();
      await page.getByRole('heading', { name: 'Übersicht' }).waitFor();
      expect(await text(page.getByTestId('current-user'))).toContain('admin');
    });
  });

  it('overview: live values arrive over the stream and change without a reload; health, fallbacks and history show', async () => {
    await step('02-overview', async () => {
      const cpu = page.getByTestId('metric-cpu');
      const sample = async () =>
        `${await cpu.getAttribute('data-value')}|${await page.getByTestId('metric-ram').getAttribute('data-value')}`;
      const updated = async () => text(page.getByTestId('live-status'));
      await waitUntil(
        async () => ((await cpu.getAttribute('data-value')) ? true : undefined),
        'a first CPU value',
      );
      expect(await page.getByTestId('live-status').getAttribute('data-status')).toBe('live');
      const firstSample = await sample();
      const firstUpdate = await updated();
      const secondUpdate = await waitUntil(
        async () => ((await updated()) !== firstUpdate ? updated() : undefined),
        'the live status to show a newer sample',
      );
      await waitUntil(async () => ((await updated()) !== secondUpdate ? true : undefined), 'a third sample');
      await waitUntil(
        async () => ((await sample()) !== firstSample ? true : undefined),
        'a CPU or RAM value to change',
        30_000,
      );
      expect(page.url()).toBe(`${base}/`);

      // Health: every service as /api/health reports it, and the embedded fallbacks of native mode.
      const health = (await (await fetch(`${base}/api/health`)).json()) as {
        services: Record<string, { status: string; fallbacks?: string[] }>;
      };
      for (const [name, service] of Object.entries(health.services)) {
        await waitUntil(
          async () =>
            (await page.getByTestId(`service-${name}`).getAttribute('data-status')) === service.status
              ? true
              : undefined,
          `service ${name} shown as ${service.status}`,
        );
      }
      expect(await page.getByTestId('dependency-postgres').getAttribute('data-status')).toBe('up');
      const fallbacks = Object.values(health.services).flatMap((s) => s.fallbacks ?? []);
      if (fallbacks.length > 0) {
        const shown = await text(page.getByTestId('fallbacks'));
        for (const fallback of fallbacks) expect(shown).toContain(fallback);
      }

      // History: the stored samples appear as a chart (the range switch fetches again; paced, so the
      // per-user rate limit is never the reason for a failure).
      for (let tries = 0; (await page.getByTestId('history-charts').count()) === 0; tries += 1) {
        if (tries >= 12) throw new Error('the history chart did not appear within a minute');
        await page.getByTestId(tries % 2 === 0 ? 'range-6h' : 'range-1h').click();
        await sleep(5000);
      }
      expect(await page.locator('[data-testid="history-charts"] canvas').count()).toBeGreaterThan(0);
    });
  });

  it('overview: idle-updating with five live metrics costs the browser at most 5 % of one core', async () => {
    const cdp = await browser!.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: list } = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>;
    };
    await sleep(2000);
    const before = await metrics();
    await sleep(20_000);
    const after = await metrics();
    const busy = (after.TaskDuration ?? 0) - (before.TaskDuration ?? 0);
    const wall = (after.Timestamp ?? 0) - (before.Timestamp ?? 0);
    const percent = (busy / wall) * 100;
    numbers.overviewIdleCpuPercent = Math.round(percent * 100) / 100;
    numbers.overviewIdleWindowSeconds = Math.round(wall);
    await cdp.detach();
    expect(wall).toBeGreaterThan(15);
    expect(percent).toBeLessThanOrEqual(5);
  });

  it('chat: the answer streams token by token with Markdown and code blocks', async () => {
    await step('03-chat-streaming', async () => {
      await page.getByRole('link', { name: 'Chat' }).click();
      await page.getByRole('heading', { name: 'Neuer Chat' }).waitFor();
      const tokens = [
        'Hier ',
        'ist ',
        '**fett** ',
        'und ',
        '`code`',
        ':\n\n',
        '```js\n',
        'console.log(1)\n',
        '```\n\n',
        ...words(16, 'w'),
      ];
      ollama.script({ tokens, tokenDelayMs: 150 });
      const generationsBefore = ollama.generations().length;
      await send('Erkläre mir etwas');
      await page.getByTestId('answer-text').waitFor();
      const generation = await waitUntil(
        () => ollama.generations()[generationsBefore],
        'the generation request',
      );
      // The first words are on screen while the fake still has most of the answer to send.
      expect(generation.tokensSent).toBeLessThan(tokens.length);
      numbers.tokensSentWhenFirstVisible = generation.tokensSent;
      await waitUntil(
        async () => ((await text(page.getByTestId('chat-messages'))).includes('w15') ? true : undefined),
        'the whole answer',
      );
      const messages = page.getByTestId('chat-messages');
      expect(await messages.locator('strong', { hasText: 'fett' }).count()).toBe(1);
      expect(await text(messages.locator('pre code').first())).toBe('console.log(1)');
      expect(await messages.locator('.message-user', { hasText: 'Erkläre mir etwas' }).count()).toBe(1);
      expect(page.url()).toMatch(new RegExp(`^${base}/chat/[0-9a-f-]{36}$`));
      expect(await text(page.getByTestId('conversation-list'))).toContain('Erkläre mir etwas');
    });
  });

  it('chat: Stop cancels the answer on the server', async () => {
    await step('04-chat-stop', async () => {
      ollama.script({ tokens: words(200, 's'), tokenDelayMs: 100 });
      const generationsBefore = ollama.generations().length;
      await send('Schreib sehr viel');
      await waitUntil(
        async () => ((await text(page.getByTestId('chat-messages'))).includes('s3 ') ? true : undefined),
        'the first words of the long answer',
      );
      await page.getByTestId('chat-stop').click();
      const generation = ollama.generations()[generationsBefore]!;
      await waitUntil(
        () => (generation.abortedAt !== null ? true : undefined),
        'the upstream request to be aborted',
      );
      expect(generation.tokensSent).toBeLessThan(200);
      await waitUntil(
        async () =>
          (await text(page.getByTestId('chat-messages'))).includes('Abgebrochen') ? true : undefined,
        'the answer marked as stopped',
      );
      await page.getByTestId('chat-send').waitFor();
    });
  });

  it('chat: a reload in the middle of an answer reconnects to the job and the answer continues', async () => {
    await step('05-chat-reload', async () => {
      const tokens = words(40, 'r');
      ollama.script({ tokens, tokenDelayMs: 150 });
      const generationsBefore = ollama.generations().length;
      await send('Lange Antwort bitte');
      await waitUntil(
        async () => ((await text(page.getByTestId('chat-messages'))).includes('r3 ') ? true : undefined),
        'the first words',
      );
      const conversationUrl = page.url();
      await page.reload();
      expect(page.url()).toBe(conversationUrl);
      const live = page.getByTestId('live-answer');
      await live.waitFor();
      const generation = ollama.generations()[generationsBefore]!;
      // Still streaming after the reload: the live answer shows what was written and keeps growing.
      expect(generation.tokensSent).toBeLessThan(tokens.length);
      await waitUntil(
        async () => ((await text(live)).includes('r3 ') ? true : undefined),
        'the text so far after the reload',
      );
      await waitUntil(
        async () => ((await text(page.getByTestId('chat-messages'))).includes('r39') ? true : undefined),
        'the rest of the answer after the reload',
      );
      expect(ollama.generations()).toHaveLength(generationsBefore + 1);
      expect(await text(page.getByTestId('chat-messages'))).toContain(tokens.join('').trim());
    });
  });

  it('settings: an API key created with a scope is shown once and works against /v1/chat/completions', async () => {
    await step('06-api-key', async () => {
      await page.getByRole('link', { name: 'Einstellungen' }).click();
      await page.getByTestId('tab-api-keys').click();
      await page.getByLabel('Name', { exact: true }).fill('e2e-skript');
      await page.getByRole('button', { name: 'Schlüssel erzeugen' }).click();
      const key = (await text(page.getByTestId('api-key-value'))).trim();
      expect(key).toMatch(/^aras_[A-Za-z0-9_-]{43}$/);
      await waitUntil(
        async () => ((await text(page.getByTestId('api-keys'))).includes('e2e-skript') ? true : undefined),
        'the key in the list',
      );
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hallo' }] }),
      });
      const body = (await response.json()) as { choices?: { message?: { content?: string } }[] };
      expect({ status: response.status, content: body.choices?.[0]?.message?.content }).toEqual({
        status: 200,
        content: DEFAULT_ANSWER.join(''),
      });
    });
  });

  it('sign-out ends the session: the old access token is refused', async () => {
    await step('07-logout', async () => {
      const token = accessToken;
      expect(token).toEqual(expect.any(String));
      const me = () => fetch(`${base}/api/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await me()).status).toBe(200);
      await page.getByTestId('logout').click();
      await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
      await waitUntil(
        async () => ((await me()).status === 401 ? true : undefined),
        'the old token to be refused',
        5000,
      );
    });
  });

  it('login: interactive within a second; wrong password, lockout with the time until retry, then signs in', async () => {
    await step('08-login', async () => {
      const cdp = await browser!.context.newCDPSession(page);
      await cdp.send('Network.clearBrowserCache');
      await cdp.detach();
      await page.goto(`${base}/login`);
      await page.getByTestId('login-form').waitFor();
      const interactiveMs = await page.evaluate<number | null>(
        'performance.getEntriesByName("arasul:login-interactive")[0]?.startTime ?? null',
      );
      numbers.loginInteractiveMs = interactiveMs === null ? null : Math.round(interactiveMs);
      expect(interactiveMs).not.toBeNull();
      expect(interactiveMs).toBeLessThanOrEqual(1000);

      // English is one switch away, and remembered.
      await page.getByTestId('language').selectOption('en');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByTestId('language').selectOption('de');
      await page.getByRole('heading', { name: 'Anmelden' }).waitFor();

      const username = page.getByLabel('Benutzername', { exact: true });
      const password = page.getByLabel('Passwort', { exact: true });
      const attempt = async (user: string, secret: string) => {
        await username.fill(user);
        await password.fill(secret);
        const answered = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
        await page.getByRole('button', { name: 'Anmelden' }).click();
        return (await answered).status();
      };

      expect(await attempt('admin', 'falsches-passwort')).toBe(401);
      expect(await text(page.getByTestId('login-error'))).toBe('Benutzername oder Passwort ist falsch.');

      // Five wrong passwords for one name from one address lock that name here (unknown names too).
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push(await attempt('unbekannt', `falsch-${i}-xxxxxxxx`));
      expect(statuses).toEqual([401, 401, 401, 401, 423]);
      const lockMessage = await text(page.getByTestId('login-error'));
      expect(lockMessage).toMatch(
        /^Zu viele Fehlversuche von diesem Gerät\. Sie können es in \d+ Minuten erneut versuchen\.$/,
      );
      const submit = page.locator('[data-testid="login-form"] button[type="submit"]');
      expect(await submit.isDisabled()).toBe(true);
      expect(await text(submit)).toMatch(/^Bitte warten \(\d+ Minuten\)$/);
      await screenshot(page, SHOTS, '08-login-locked');
      await expectAccessible(page, 'the login page with its lockout message');

      // The lock is for that name only: the administrator still gets in from here.
      await username.fill('admin');
      await password.fill(PASSWORD);
      await submit.click();
      await page.getByRole('heading', { name: 'Übersicht' }).waitFor();
    });
  });

  it('looks finished on a tablet too (screenshots of each page)', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    for (const [name, path] of [
      ['09-tablet-overview', '/'],
      ['10-tablet-chat', '/chat'],
      ['11-tablet-settings', '/settings/users'],
      ['12-settings-audit', '/settings/audit'],
      ['13-settings-thresholds', '/settings/thresholds'],
    ] as const) {
      await step(name, async () => {
        await page.goto(`${base}${path}`);
        await page.locator('.main h1, .main .card').first().waitFor();
        await sleep(1500);
      });
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('on a phone (390 px) the navigation sits behind a menu button that works with the keyboard, and every page fits', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const toggle = page.getByTestId('nav-toggle');
    const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
    const fitsWidth = async () => await page.evaluate('document.documentElement.scrollWidth');
    await step('14-phone-menu', async () => {
      await page.goto(`${base}/`);
      await page.getByRole('heading', { name: 'Übersicht' }).waitFor();
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await nav.isVisible()).toBe(false);

      // Keyboard: Enter opens, Tab reaches the first page, Escape closes and gives the focus back.
      await toggle.focus();
      await page.keyboard.press('Enter');
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      expect(await nav.isVisible()).toBe(true);
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Übersicht');
      await page.keyboard.press('Escape');
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await page.evaluate('document.activeElement?.getAttribute("data-testid")')).toBe('nav-toggle');

      // Choosing a page with the keyboard goes there and closes the menu.
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/chat`);
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
    });

    // Every page in the navigation (pages added later included), reached through the menu.
    const labels = (await nav.getByRole('link').allTextContents()).map((label) => label.trim());
    expect(labels.length).toBeGreaterThanOrEqual(3);
    await page.keyboard.press('Escape');
    for (const [index, label] of labels.entries()) {
      await step(`15-phone-page-${String(index + 1)}`, async () => {
        await toggle.click();
        await nav.getByRole('link', { name: label, exact: true }).click();
        expect(await toggle.getAttribute('aria-expanded')).toBe('false');
        await page.locator('.main h1').first().waitFor();
        await sleep(1000);
        expect(await fitsWidth()).toBeLessThanOrEqual(390);
        // The dark colour scheme has its own colours: checked as well.
        // (Without transitions, so axe never measures a colour halfway between the two schemes.)
        await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
        await sleep(300);
        await expectAccessible(page, `${label}, dark colour scheme`);
        await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
      });
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  });
});
