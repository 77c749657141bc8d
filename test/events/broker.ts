import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { connect, type ConsumeMessage, type MessageProperties } from 'amqplib';
import type { EventMessage } from '../../src/events/event-message.js';
import { RABBITMQ_URL } from '../helpers/services.js';

/** A name no other test file (or parallel run) uses. */
export const uniqueExchange = (what: string) => `ms-test-${what}-${randomBytes(4).toString('hex')}`;

export interface Received {
  routingKey: string;
  properties: MessageProperties;
  body: EventMessage;
}

export interface ExchangeListener {
  received: Received[];
  /** Resolves once `count` messages arrived (all of them so far), or rejects after the timeout. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A consumer with its own queue bound to the exchange, as a downstream system would set it up. */
export async function listenToExchange(exchange: string, pattern = '#'): Promise<ExchangeListener> {
  const connection = await connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, pattern);
  const received: Received[] = [];
  let notify = () => {};
  await channel.consume(
    queue,
    (msg: ConsumeMessage | null) => {
      if (!msg) return;
      received.push({
        routingKey: msg.fields.routingKey,
        properties: msg.properties,
        body: JSON.parse(msg.content.toString('utf8')) as EventMessage,
      });
      notify();
    },
    { noAck: true },
  );
  return {
    received,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} messages on ${exchange}, got ${received.length}: ${JSON.stringify(received.map((r) => r.body.type))}`);
        }
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 100);
        });
      }
      return received.slice();
    },
    async close() {
      await channel.deleteExchange(exchange).catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

/**
 * A TCP relay to the broker that can be taken down and brought back on the same port, to play
 * an unreachable or restarting broker without touching the real one.
 */
export class BrokerRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target = new URL(RABBITMQ_URL),
  ) {}

  /** The URL the app should use: the broker's credentials, the relay's port. */
  get url(): string {
    const u = new URL(this.target);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port || 5672) });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones, as a broker going down does. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
