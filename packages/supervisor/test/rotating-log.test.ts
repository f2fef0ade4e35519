import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingLog } from '../src';

describe('RotatingLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'arasul-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('never lets a log grow past its cap and keeps only the configured number of old files', async () => {
    const path = join(dir, 'svc.log');
    const log = new RotatingLog(path, 1000, 2);
    for (let i = 0; i < 50; i += 1) log.write(`${String(i).padStart(3, '0')} ${'x'.repeat(95)}\n`);
    await log.close();

    expect(statSync(path).size).toBeLessThanOrEqual(1000);
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    // The newest line is in the live file, older ones moved out.
    expect(readFileSync(path, 'utf8')).toContain('049 ');
    expect(readFileSync(path, 'utf8')).not.toContain('000 ');
  });
});
