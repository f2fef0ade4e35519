import { CRITICAL_ATTEMPT, backoffDelaySeconds, budgetAllows, ladderStep } from '../src/healing/policy';

describe('self-healing policy', () => {
  it('backs off 10 s doubling to 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((a) => backoffDelaySeconds(a, 10, 300))).toEqual([
      10, 20, 40, 80, 160, 300, 300, 300,
    ]);
    expect(backoffDelaySeconds(0, 10, 300)).toBe(0);
  });

  it('allows five actions in the window and refuses the sixth', () => {
    expect(budgetAllows(4, 5)).toBe(true);
    expect(budgetAllows(5, 5)).toBe(false);
  });

  it('climbs the ladder and marks the fourth attempt critical', () => {
    expect(ladderStep(1, 'postgres')).toBe('restart_service');
    expect(ladderStep(2, 'postgres')).toBe('stop_start_service');
    expect(ladderStep(3, 'postgres')).toBe('restart_dependency');
    expect(ladderStep(3, null)).toBe('stop_start_service');
    // Docker mode with the host's recreate unit: the third rung recreates the container, once.
    expect(ladderStep(3, null, true)).toBe('recreate_service');
    expect(ladderStep(3, 'postgres', true)).toBe('restart_dependency');
    expect(ladderStep(4, null, true)).toBe('stop_start_service');
    expect(CRITICAL_ATTEMPT).toBe(4);
  });
});
