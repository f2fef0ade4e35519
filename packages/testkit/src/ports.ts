/**
 * Port ranges for tests that must start real child processes on a fixed port (a supervisor restarts a
 * service on the port it had). Each range lies below Linux's ephemeral range (32768+), where a parallel
 * test's outgoing connection to PostgreSQL, Redis or RabbitMQ could already hold the port, and away
 * from the platform's 8080-8099. Ranges do not overlap, and each test process (jest worker) gets its own
 * block of `size` ports inside its area's range, so two test files never collide.
 */
export const TEST_PORT_RANGES = {
  supervisor: { from: 20_000, blocks: 600, size: 20 },
  selfHealing: { from: 10_000, blocks: 900, size: 10 },
} as const;

/** Port number `offset` of this process's block in `area`'s range. */
export function testPortFor(area: keyof typeof TEST_PORT_RANGES, offset: number): number {
  const range = TEST_PORT_RANGES[area];
  if (!Number.isInteger(offset) || offset < 0 || offset >= range.size) {
    throw new RangeError(`port offset ${String(offset)} is outside 0-${String(range.size - 1)}`);
  }
  return range.from + (process.pid % range.blocks) * range.size + offset;
}
