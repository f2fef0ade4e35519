import { connect } from 'node:net';

/**
 * Checks that an AMQP 0-9-1 broker answers the protocol: send the protocol header and expect a method frame
 * (Connection.Start) back. Cheaper than a full connection and proves more than an open port.
 */
export function probeAmqp(url: string, timeoutMs: number): Promise<void> {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'amqps:' ? 5671 : 5672) : Number(parsed.port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: parsed.hostname, port });
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (data: Buffer) =>
      finish(data[0] === 1 ? undefined : new Error('the server did not answer with an AMQP frame')),
    );
  });
}
