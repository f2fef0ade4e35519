import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class ToolTimeoutError extends Error {
  constructor(tool: string, timeoutMs: number) {
    super(`${tool} did not finish within ${timeoutMs} ms`);
    this.name = 'ToolTimeoutError';
  }
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Runs a command-line tool without a shell (arguments are never interpreted), bounded by a timeout and an
 * abort signal, with capped output. Resolves with the exit code; rejects only when it cannot run at all.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) kill();
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 100) err.push(chunk);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      if (timedOut) {
        reject(new ToolTimeoutError(command, options.timeoutMs));
        return;
      }
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Whether a tool can be started (`<tool> --version` or `-v` exits 0). */
export async function toolAvailable(command: string, versionFlag = '--version'): Promise<boolean> {
  try {
    const result = await runTool(command, [versionFlag], { timeoutMs: 10_000 });
    return result.code === 0;
  } catch {
    return false;
  }
}
