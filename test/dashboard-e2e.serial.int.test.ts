import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page, Response as BrowserResponse } from 'playwright-core';
import { makeDocx, makePdf, makeScanPng } from '../services/document-indexer/test/helpers';
import { FakeOllama, FakeTelegramBotApi } from '@arasul/testkit';
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

/**
 * Nothing on the page is wider than the screen (a phone must never scroll sideways). On failure, names the
 * elements that stick out, so the fix is obvious from the message. A string script: the test has no DOM types.
 */
async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const report: { overflow: number; culprits: string[] } = await page.evaluate(`(() => {
    const width = window.innerWidth;
    const overflow = document.documentElement.scrollWidth - width;
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const culprits = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      const parent = el.parentElement;
      if (!parent || r.width === 0 || r.right <= width + 1) continue;
      if (parent.getBoundingClientRect().right > width + 1) continue;
      culprits.push(describe(el) + ' in ' + describe(parent) + ' right=' + Math.round(r.right) +
        ' position=' + getComputedStyle(el).position + ' parentOverflowX=' + getComputedStyle(parent).overflowX);
    }
    // Fixed and absolutely positioned boxes escape an overflow:auto ancestor, so they are listed too.
    for (const el of document.querySelectorAll('body *')) {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if ((style.position === 'fixed' || style.position === 'absolute') && r.right > width + 1)
        culprits.unshift(describe(el) + ' right=' + Math.round(r.right) + ' position=' + style.position);
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(t);
      const r = range.getBoundingClientRect();
      const parent = t.parentElement;
      if (parent && r.right > width + 1 && parent.getBoundingClientRect().right <= width + 1)
        culprits.unshift('text "' + t.textContent.trim().slice(0, 40) + '" in ' + describe(parent) + ' right=' + Math.round(r.right));
    }
    return { overflow, culprits: culprits.filter((c) => !c.includes('parentOverflowX=auto')).slice(0, 10) };
  })()`);
  if (report.overflow > 0)
    throw new Error(`the page is ${report.overflow} px too wide: ${report.culprits.join(', ')}`);
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

  let telegram: FakeTelegramBotApi | undefined;

  beforeAll(async () => {
    await ollama.start();
    platform.env.OLLAMA_URL = ollama.url;
    telegram = await FakeTelegramBotApi.start();
    platform.env.TELEGRAM_API_ROOT = telegram.url;
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
    await telegram?.stop();
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
  it('documents: a text PDF, a DOCX and a scanned image reach "durchsuchbar"; a deleted one leaves list and index', async () => {
    await step('20-documents-upload', async () => {
      await page.goto(`${base}/documents`);
      await page.getByRole('heading', { name: 'Dokumente', exact: true }).waitFor();
      const pdf = await makePdf(['Mietvertrag: Die Kaution beträgt drei Monatsmieten.', 'Seite zwei.']);
      const docx = await makeDocx([
        { heading: 'Hausordnung' },
        { text: 'Ruhezeiten gelten von 22 bis 6 Uhr.' },
      ]);
      const png = await makeScanPng('Rechnung Nummer 4711');
      await page.getByTestId('file-input').setInputFiles([
        { name: 'Mietvertrag.pdf', mimeType: 'application/pdf', buffer: pdf },
        { name: 'Hausordnung.docx', mimeType: 'application/octet-stream', buffer: docx },
        { name: 'Rechnung.png', mimeType: 'image/png', buffer: png },
      ]);
      for (const name of ['Mietvertrag.pdf', 'Hausordnung.docx', 'Rechnung.png']) {
        await page
          .locator(`[data-testid="document-row"][data-name="${name}"][data-status="indexed"]`)
          .waitFor({ timeout: 90_000 });
      }
    });
    await step('21-documents-delete', async () => {
      const listed = await fetch(`${base}/api/documents?q=Hausordnung`, {
        headers: { authorization: `Bearer ${accessToken ?? ''}` },
      });
      const id = ((await listed.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
      expect(id).not.toBe('');
      await page.getByRole('button', { name: 'Hausordnung.docx löschen' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Löschen' }).click();
      await page
        .locator('[data-testid="document-row"][data-name="Hausordnung.docx"]')
        .waitFor({ state: 'detached' });
      expect(await page.locator('[data-testid="document-row"]').count()).toBe(2);
      // Gone from the index too: no row, no chunks, and the totals count two documents.
      const gone = await fetch(`${base}/api/documents/${id}`, {
        headers: { authorization: `Bearer ${accessToken ?? ''}` },
      });
      expect(gone.status).toBe(404);
      const stats = await fetch(`${base}/api/documents/stats`, {
        headers: { authorization: `Bearer ${accessToken ?? ''}` },
      });
      expect(await stats.json()).toMatchObject({ documents: 2 });
    });
  });

  // ------------------------------------------------------------ knowledge search (issue 11)
  it('documents: a question answered on page 2 of an uploaded PDF is cited, and the citation opens page 2', async () => {
    await step('20-rag-citation', async () => {
      const token = accessToken;
      expect(token).toEqual(expect.any(String));
      const auth = { Authorization: `Bearer ${String(token)}` };
      const form = new FormData();
      form.append('file', new Blob([twoPagePdf()], { type: 'application/pdf' }), 'Arbeitsvertrag-e2e.pdf');
      const upload = await fetch(`${base}/api/documents`, { method: 'POST', headers: auth, body: form });
      expect(upload.status).toBe(201);
      const uploaded = (await upload.json()) as { documents: { id: string }[] };
      const documentId = uploaded.documents[0]?.id ?? '';
      const spaceId = await waitUntil(
        async () => {
          const res = await fetch(`${base}/api/documents/${documentId}`, { headers: auth });
          const doc = (await res.json()) as { status?: string; spaceId?: string };
          return doc.status === 'indexed' || doc.status === 'partial' ? doc.spaceId : undefined;
        },
        'the PDF to be indexed',
        120_000,
      );

      await page.goto(`${base}/chat`);
      await page.getByRole('heading', { name: 'Neuer Chat' }).waitFor();
      await page.getByTestId('rag-switch').check();
      // Answer from the uploaded PDF's space.
      const picker = page.getByTestId('rag-space');
      await picker.locator(`option[value="${spaceId}"]`).waitFor({ state: 'attached' });
      await picker.selectOption(spaceId);
      ollama.script({ tokens: ['Die Kündigungsfrist ', 'beträgt drei Monate [1].'], tokenDelayMs: 20 });
      await send('Wie lang ist die Kündigungsfrist?');
      const citation = page.getByTestId('citation-1').first();
      await citation.waitFor({ timeout: 30_000 });

      // Opened again later, the conversation shows the setting it remembers: switch on, the same space.
      await waitUntil(() => (/\/chat\/[0-9a-f-]{36}$/.test(page.url()) ? true : undefined), 'the chat URL');
      const conversationUrl = page.url();
      await page.goto(`${base}/chat`);
      await page.getByRole('heading', { name: 'Neuer Chat' }).waitFor();
      expect(await page.getByTestId('rag-switch').isChecked()).toBe(false);
      await page.goto(conversationUrl);
      await page.getByTestId('citation-1').first().waitFor({ timeout: 30_000 });
      await waitUntil(
        async () => ((await page.getByTestId('rag-switch').isChecked()) ? true : undefined),
        'the switch to show the remembered setting',
      );
      await waitUntil(
        async () => ((await picker.inputValue()) === spaceId ? true : undefined),
        'the picker to show the remembered space',
      );
      const panel = page.getByTestId('sources-panel').first();
      expect(await text(panel)).toContain('Arbeitsvertrag-e2e.pdf');
      expect(await text(panel)).toContain('Seite 2');

      const [viewer] = await Promise.all([page.context().waitForEvent('page'), citation.click()]);
      await waitUntil(() => (viewer.url().startsWith('blob:') ? true : undefined), 'the PDF tab', 15_000);
      expect(viewer.url()).toMatch(/^blob:.*#page=2$/);
      await viewer.close();

      // The documents page's search box finds the same page.
      await page.goto(`${base}/documents`);
      await page.getByTestId('doc-search-input').fill('Kündigungsfrist');
      await page.getByTestId('doc-search-submit').click();
      const hits = page.getByTestId('doc-search-hits');
      await hits.waitFor();
      expect(await text(hits)).toContain('Arbeitsvertrag-e2e.pdf');
      expect(await text(hits)).toContain('Seite 2');
    });
  });

  // ------------------------------------------------------------ System (self-healing agent)
  it('system: a killed service process is detected and healed, and the page shows both', async () => {
    await step('14-system-healing', async () => {
      await page.goto(`${base}/system`);
      await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
      const card = page.getByTestId('service-metrics-collector');
      await waitUntil(
        async () => ((await card.getAttribute('data-health')) === 'healthy' ? true : undefined),
        'metrics-collector shown healthy',
        60_000,
      );
      const supervisor = (await (
        await fetch(`http://127.0.0.1:${String(platform.env.SUPERVISOR_PORT)}/status`)
      ).json()) as { services: { name: string; pid: number | null }[] };
      const pid = supervisor.services.find((s) => s.name === 'metrics-collector')?.pid;
      if (!pid) throw new Error('the supervisor reports no pid for metrics-collector');
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');

      const incidents = page.getByTestId('incidents');
      await incidents.locator('li[data-type="detected"][data-service="metrics-collector"]').first().waitFor();
      numbers.selfHealingDetectedOnPageMs = Date.now() - killedAt;
      expect(await text(incidents)).toContain('signal SIGKILL');
      await incidents
        .locator('li[data-type="recovered"][data-service="metrics-collector"]')
        .first()
        .waitFor({ timeout: 30_000 });
      await waitUntil(
        async () => ((await card.getAttribute('data-health')) === 'healthy' ? true : undefined),
        'metrics-collector shown healthy again',
        30_000,
      );
      numbers.selfHealingHealedOnPageMs = Date.now() - killedAt;
      expect(await text(card)).toMatch(/Neustarts\s*1/);
    });
    await step('14b-system-assistant', async () => {
      // Slow words, so the page can be seen showing the answer while the model still writes it.
      ollama.setDefaultReply({ tokens: words(40, 'diag'), tokenDelayMs: 60 });
      try {
        await page.getByLabel('Ihre Frage zur Box').fill('Warum wurde metrics-collector neu gestartet?');
        await page.getByTestId('assistant-ask').click();
        const answer = page.getByTestId('assistant-answer').last();
        const askedAt = Date.now();
        await waitUntil(
          async () => ((await text(answer)).includes('diag0') ? true : undefined),
          'the first words of the diagnosis',
          30_000,
        );
        numbers.assistantFirstWordsOnPageMs = Date.now() - askedAt;
        expect(await text(answer)).not.toContain('diag39');
        await page.locator('.assistant-exchange[data-phase="done"]').waitFor({ timeout: 30_000 });
        expect(await text(answer)).toContain('diag39');
      } finally {
        ollama.setDefaultReply({ tokens: DEFAULT_ANSWER, tokenDelayMs: 5 });
      }
    });
    await page.setViewportSize({ width: 390, height: 844 });
    await step('15-system-phone', async () => {
      await page.goto(`${base}/system`);
      await page.getByTestId('service-metrics-collector').waitFor();
      await expectNoHorizontalOverflow(page);
    });
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  // ------------------------------------------------------------ Benachrichtigungen (telegram-notifier)
  it('notifications: the wizard links a chat through the fake Bot API, and a real alert shows in the outbox as sent', async () => {
    if (!telegram) throw new Error('the fake Telegram Bot API did not start');
    const fake = telegram;
    const bot = fake.addBot('arasul_e2e_bot');
    const OWNER = 4711;
    await step('16-notifications-wizard', async () => {
      const setupCalls: string[] = [];
      const recordSetupCall = (r: { url: () => string }) => {
        const path = new URL(r.url()).pathname;
        if (path.startsWith('/api/telegram/setup/')) setupCalls.push(path);
      };
      page.on('request', recordSetupCall);
      await page.goto(`${base}/notifications`);
      await page.getByRole('heading', { name: 'Benachrichtigungen', level: 1 }).waitFor();
      await page.getByLabel('Bot-Token').fill(bot.token);
      await page.getByRole('button', { name: 'Token prüfen' }).click();
      await page.getByRole('img', { name: 'QR-Code mit dem Link zum Bot' }).waitFor();
      const link = (await page.getByTestId('telegram-deep-link').getAttribute('href')) ?? '';
      const code = new URL(link).searchParams.get('start');
      if (!code) throw new Error(`no start code in the deep link ${link}`);
      expect(await text(page.getByTestId('telegram-setup-status'))).toContain('Warte auf');
      fake.userSends(bot.token, { id: OWNER, type: 'private', firstName: 'Inhaber' }, `/start ${code}`);
      await waitUntil(
        async () =>
          (await text(page.getByTestId('telegram-setup-status'))).includes('Verbunden') ? true : undefined,
        'the wizard to show the linked chat',
        30_000,
      );
      await page.getByTestId('telegram-configured').waitFor();
      page.off('request', recordSetupCall);
      expect(fake.sentTo(OWNER)[0]?.text).toContain('Arasul is connected');
      // The progress came by Server-Sent Events, not by polling the session.
      expect(setupCalls).toEqual([`/api/telegram/setup/${code}/events`]);
    });

    await step('17-notifications-outbox', async () => {
      // A real alert through metrics-collector: its evaluator → alert outbox → bus → notifier → Telegram.
      const setThreshold = async (change: Record<string, unknown>) => {
        const res = await fetch(`${base}/api/alerts/thresholds/cpu`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${String(accessToken)}`, 'content-type': 'application/json' },
          body: JSON.stringify(change),
        });
        if (!res.ok) throw new Error(`threshold change failed: ${String(res.status)} ${await res.text()}`);
      };
      // A CPU alert may already be open from a busy machine (opened before the chat was linked, so it
      // reached nobody, and an open alert does not fire again): disabling resolves it, without a cooldown.
      await setThreshold({ enabled: false, cooldownSeconds: 0 });
      await setThreshold({
        enabled: true,
        warningThreshold: 1,
        criticalThreshold: 100,
        clearDelta: 0,
        forSamples: 1,
      });
      try {
        await waitUntil(
          // Warning, or critical when the box is at 100 % CPU.
          () => fake.sentTo(OWNER).find((m) => /^(⚠️|🚨) CPU (high|critical)/.test(m.text)),
          'the CPU alert at the fake Bot API',
          60_000,
        );
      } catch (error) {
        // What the two services saw, for whoever reads the failure.
        const get = async (path: string) =>
          (
            await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${String(accessToken)}` } })
          ).text();
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\nsent: ${JSON.stringify(fake.sentTo(OWNER))}` +
            `\nalerts: ${await get('/api/alerts/history?metric=cpu&limit=5')}\noutbox: ${await get('/api/notifications/events?limit=10')}` +
            `\nnotifier log: ${platform.log('telegram-notifier')}`,
        );
      } finally {
        await setThreshold({ warningThreshold: 80, criticalThreshold: 95, clearDelta: 5, forSamples: 3 });
      }
      await page.reload();
      const sentRow = page.locator('[data-testid="notification-outbox"] tr[data-status="sent"]', {
        hasText: 'metrics.alert.fired',
      });
      await sentRow.first().waitFor({ timeout: 15_000 });
      expect(await text(sentRow.first())).toContain('gesendet');
    });
    await page.setViewportSize({ width: 390, height: 844 });
    await step('18-notifications-phone', async () => {
      await page.goto(`${base}/notifications`);
      await page.getByTestId('notification-outbox').waitFor();
      await expectNoHorizontalOverflow(page);
    });
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
      // The address changes before the page is shown (a router transition); the menu closes when it is.
      await page.getByTestId('chat-input').waitFor();
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
      await nav.getByRole('link').first().waitFor();
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

/**
 * A two-page PDF with a text layer (Helvetica, ~250 words a page, so the chunker keeps the pages apart),
 * written by hand so the test needs no PDF library. The answer is near the end of page 2.
 */
function twoPagePdf(): Buffer {
  const filler = (page: number) =>
    Array.from(
      { length: 20 },
      (_, i) => `Allgemeine Bestimmung ${page}.${i + 1} regelt weitere Einzelheiten dieses Vertrags.`,
    );
  const pages = [
    ['Arbeitsvertrag. Paragraph 1: Beginn am 1. April. Die Probezeit betraegt sechs Monate.', ...filler(1)],
    [...filler(2), 'Paragraph 6 Kuendigung: Die Kündigungsfrist beträgt drei Monate zum Quartalsende.'],
  ];
  const objects: string[] = [];
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${4 + i * 2} 0 R`).join(' ')}] /Count ${pages.length} >>`,
  );
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  pages.forEach((lines, i) => {
    const escaped = lines.map((line) => `(${line.replace(/[()\\]/g, (c) => `\\${c}`)}) Tj T*`).join(' ');
    const content = `BT /F1 10 Tf 14 TL 50 760 Td ${escaped} ET`;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`,
    );
    objects.push(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
  });
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
