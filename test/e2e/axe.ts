import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/**
 * axe-core (the npm package, injected into the page; nothing downloaded) run against what the page shows
 * right now: every rule axe runs by default (WCAG 2.x A/AA and best practices such as heading order).
 */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** The violations on the page, one readable line each (empty: none). */
export async function axeViolations(page: Page): Promise<string[]> {
  // Measure the settled page: wait for running CSS transitions (hover, a colour-scheme switch) to end.
  await page.evaluate(
    'Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => undefined)))',
  );
  const injected = await page.evaluate('typeof window.axe === "object"');
  if (injected !== true) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    'window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  );
  return violations.map((v) => {
    const where = v.nodes
      .slice(0, 5)
      .map((n) => `${n.target.map(String).join(' ')} (${(n.failureSummary ?? '').replace(/\s+/g, ' ')})`)
      .join('; ');
    return `${v.id} [${v.impact ?? '?'}] ${v.help}: ${where}${v.nodes.length > 5 ? ` … and ${String(v.nodes.length - 5)} more` : ''}`;
  });
}

/** Fails with every violation listed when axe finds any on the page as it is now. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    throw new Error(
      `axe-core found ${String(violations.length)} violation(s) on ${where} (${page.url()}):\n${violations.join('\n')}`,
    );
  }
}
