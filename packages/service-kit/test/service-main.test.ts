import { request as httpGet } from 'node:http';
import { runService } from '../src';

const CONFIG = { LOG_LEVEL: 'error', LOG_FORMAT: 'json', SHUTDOWN_TIMEOUT_MS: 2_000 } as const;

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('runService', () => {
  it('serves the app, and stops in reverse start order with readiness down before the server closes', async () => {
    const order: string[] = [];
    let port = 0;
    const runtime = await runService(
      'svc',
      CONFIG,
      async ({ shutdown, serve, health }) => {
        shutdown.add('postgres', () => void order.push('postgres'));
        const server = await serve((_req, res) => res.end('hello'), 0, '127.0.0.1', {
          beforeClose: async () => {
            order.push(`streams ended while ${(await health.readiness()).status}`);
          },
        });
        port = server.port;
        shutdown.add('workers', () => void order.push('workers'));
        return { port: server.port };
      },
      { signals: false, exit: () => order.push('exit') },
    );
    expect(runtime).toBeDefined();
    expect(await get(port)).toBe('hello');

    await runtime?.shutdown.run('test');
    expect(order).toEqual(['workers', 'streams ended while unready', 'postgres']);
    expect((await runtime?.health.readiness())?.status).toBe('unready');
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('prints why a start failed as one JSON line and exits with 1', async () => {
    const lines: string[] = [];
    const codes: number[] = [];
    const runtime = await runService(
      'svc',
      CONFIG,
      () => Promise.reject(new Error('postgres password wrong')),
      { signals: false, exit: (code) => codes.push(code), stderr: (line) => lines.push(line) },
    );
    expect(runtime).toBeUndefined();
    expect(codes).toEqual([1]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^svc failed to start: \{.*"postgres password wrong".*\}\n$/);
  });
});
