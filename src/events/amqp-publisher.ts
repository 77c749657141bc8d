import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import type { EventRecord } from './event-message.js';
import { toEventMessage } from './event-message.js';
import type { OutboxDestination } from './outbox-consumer.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** Well under the consumer's lease, so a stuck broker cannot make two replicas deliver at once. */
const CONFIRM_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Publishes events to a durable topic exchange with publisher confirms: routing key = event
 * type, persistent JSON messages, `messageId` = event id. Broker errors and closes (amqplib
 * emits both) only drop the connection; the consumer loop reconnects.
 */
export class AmqpPublisher implements OutboxDestination {
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;

  constructor(
    private readonly url: string,
    private readonly exchange: string,
    private readonly logger: Logger,
  ) {}

  get connected(): boolean {
    return this.channel !== undefined;
  }

  async connect(): Promise<void> {
    if (this.channel) return;
    const connection = await connect(this.url, {
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: 'mediastore events' },
    });
    const lost = () => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      this.channel = undefined;
    };
    connection.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'broker connection error'));
    connection.on('close', lost);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'broker channel error'));
      channel.on('close', lost);
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      this.connection = connection;
      this.channel = channel;
      this.logger.info({ broker: redact(this.url), exchange: this.exchange }, 'connected to the broker');
    } catch (err) {
      await closeQuietly(connection);
      throw err;
    }
  }

  async deliver(events: EventRecord[]): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error('not connected to the broker');
    for (const event of events) {
      // The return value only signals a full socket buffer; the messages are queued either way
      // and a batch is bounded, so there is no need to wait for 'drain'.
      channel.publish(this.exchange, event.type, Buffer.from(JSON.stringify(toEventMessage(event))), {
        messageId: String(event.id),
        type: event.type,
        timestamp: Math.floor(event.created.getTime() / 1000),
        contentType: 'application/json',
        persistent: true,
        appId: 'mediastore',
      });
    }
    await withTimeout(channel.waitForConfirms(), CONFIRM_TIMEOUT_MS, 'the broker did not confirm in time');
  }

  async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    if (connection) await closeQuietly(connection);
  }
}

/** The broker address for logs: never the credentials. */
export function redact(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

async function closeQuietly(connection: ChannelModel): Promise<void> {
  await withTimeout(connection.close(), CLOSE_TIMEOUT_MS, 'close timed out').catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
