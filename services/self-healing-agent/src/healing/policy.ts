import type { SelfHealingAction } from '@arasul/contracts/events/selfhealing';

/** Delay before the next action after the `attempt`-th one: base doubling per attempt, capped. */
export function backoffDelaySeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  if (attempt < 1) return 0;
  return Math.min(baseSeconds * 2 ** Math.min(attempt - 1, 30), maxSeconds);
}

/** The budget allows one more action only while fewer than `budget` were taken in the window. */
export function budgetAllows(actionsInWindow: number, budget: number): boolean {
  return actionsInWindow < budget;
}

/** From this attempt on, the problem is a critical incident (escalated once). */
export const CRITICAL_ATTEMPT = 4;

/**
 * The escalation ladder for a hung/unhealthy service: restart → stop+start → its unhealthy dependency first
 * (when one is down), else — in Docker mode with the host's recreate unit — the container recreated once →
 * critical incident (and keep stop+start with back-off until the budget quarantines).
 */
export function ladderStep(
  attempt: number,
  unhealthyDependency: string | null,
  canRecreate = false,
): SelfHealingAction {
  if (attempt <= 1) return 'restart_service';
  if (attempt === 2) return 'stop_start_service';
  if (unhealthyDependency !== null) return 'restart_dependency';
  if (attempt === 3 && canRecreate) return 'recreate_service';
  return 'stop_start_service';
}
