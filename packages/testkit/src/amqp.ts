import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { Topology, declaredAmqpNames } from '@arasul/service-kit';

/**
 * AMQP isolation for tests: every test file works under its own name prefix on the shared broker, so files
 * run in parallel, and deletes exactly what it declared afterwards.
 */

const run = promisify(execFile);
const TEST_NAMESPACE = /^t_[a-z0-9]+\.$/;
const RABBITMQCTL_TIMEOUT_MS = 30_000;

/** A fresh namespace like `t_3f9a1c0b2d.`, for `new Topology({ namespace })`. */
export function createAmqpNamespace(): string {
  return `t_${randomBytes(5).toString('hex')}.`;
}

/**
 * Deletes every queue and exchange declared under `namespace` in this process (plus the platform's
 * default names under it, in case the client never got to declare them). Refuses anything that is not a
 * test namespace, so it can never touch production names.
 */
export async function deleteAmqpNamespace(url: string, namespace: string): Promise<void> {
  if (!TEST_NAMESPACE.test(namespace))
    throw new Error(`refusing to delete non-test AMQP namespace "${namespace}"`);
  const declared = declaredAmqpNames(namespace);
  const defaults = new Topology({ namespace }).names();
  const queues = new Set([...declared.queues, ...defaults.queues]);
  const exchanges = new Set([...declared.exchanges, ...defaults.exchanges]);

  const connection = await amqp.connect(url, { timeout: 5_000 });
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    // Deleting a name that does not exist is a no-op in RabbitMQ, so the default names are safe to try.
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Takes (and acks) up to `max` messages from a queue, e.g. to read what landed in a DLQ. */
export async function takeMessages(url: string, queue: string, max = 100): Promise<amqp.GetMessage[]> {
  const connection = await amqp.connect(url, { timeout: 5_000 });
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    const messages: amqp.GetMessage[] = [];
    while (messages.length < max) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      messages.push(message);
    }
    await channel.close();
    return messages;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Runs `rabbitmqctl` (needs the broker's Erlang cookie, i.e. root or the rabbitmq user). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: RABBITMQCTL_TIMEOUT_MS });
  return stdout;
}

/** Broker-side ids of the connections whose client set `connection_name` to `name`. */
export async function findBrokerConnections(name: string): Promise<string[]> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  const marker = `{"connection_name","${name}"}`;
  return out
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0] ?? '')
    .filter((pid) => pid.startsWith('<'));
}

/**
 * Kills the broker side of every connection named `name`, as an operator or a broker hiccup would;
 * waits (bounded) for the connection to be listed first. Returns the ids it closed.
 */
export async function killBrokerConnections(name: string, waitMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  let pids = await findBrokerConnections(name);
  while (pids.length === 0 && Date.now() < deadline) {
    await sleep(200);
    pids = await findBrokerConnections(name);
  }
  if (pids.length === 0) throw new Error(`no broker connection named "${name}" within ${waitMs} ms`);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'killed by test');
  return pids;
}
