import type { Logger } from 'pino';
import type { BackgroundWorker } from '../context.js';
import type { Db } from '../db/client.js';
import { Backoff } from './backoff.js';
import { leaseOwnerId } from './loop-worker.js';
import * as consumers from './consumers.repo.js';
import type { EventRecord } from './event-message.js';
import { eventsAfter } from './events.repo.js';
import type { EventSequencer } from './sequencer.js';

/** Where an outbox consumer delivers: a broker, a webhook fan-out, ... */
export interface OutboxDestination {
  /** Opens the connection if there is none; throws while the destination is unreachable. */
  connect(): Promise<void>;
  /** Delivers the events in order; resolves only once the destination has accepted all of them. */
  deliver(events: EventRecord[]): Promise<void>;
  /** Drops the connection (after a failure, or when stopping). */
  disconnect(): Promise<void>;
}

export interface OutboxConsumerOptions {
  /** Durable name: the cursor and the lease are stored under it. */
  name: string;
  db: Db;
  sequencer: EventSequencer;
  destination: OutboxDestination;
  logger: Logger;
  batchSize?: number;
  /** How often the lease holder looks for new events when idle. */
  pollMs?: number;
  /** A crashed holder's lease expires after this; a holder renews it at a third of that. */
  leaseMs?: number;
  /** How often a standby replica tries to take the lease. */
  standbyMs?: number;
  backoff?: Backoff;
}

const HEARTBEAT_MS = 60_000;
/** Large enough for the broker's confirm round trip not to dominate a backlog (see bench/events.bench.ts). */
export const DEFAULT_BATCH_SIZE = 1_000;

/**
 * Follows the outbox with a durable cursor and hands events, in id order, to a destination.
 * Every replica runs one; a lease in `event_consumers` lets exactly one of them deliver at a
 * time, so each event is delivered once (at least once across a crash: a batch the
 * destination accepted may be delivered again if the cursor could not be saved). The cursor
 * moves only after the destination accepted the whole batch. Failures (destination or
 * database) release the lease, disconnect and retry with capped exponential backoff; the
 * loop never throws.
 */
export class OutboxConsumer implements BackgroundWorker {
  readonly name: string;
  private readonly owner = leaseOwnerId();
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly standbyMs: number;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: OutboxConsumerOptions) {
    this.name = `outbox consumer ${options.name}`;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.pollMs = options.pollMs ?? 200;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.standbyMs = options.standbyMs ?? 1_000;
    this.backoff = options.backoff ?? new Backoff();
    this.log = options.logger.child({ consumer: options.name });
  }

  start(): void {
    this.stopping = false;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Lets the batch in flight finish, releases the lease and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { db, name, destination } = this.options;
    let holding = false;
    let position = 0;
    let renewAt = 0;
    let heartbeatAt = 0;
    let failing = false;
    // The batch after `position`, read while the destination was accepting the previous one.
    let prefetched: Promise<EventRecord[]> | undefined;
    while (!this.stopping) {
      try {
        if (Date.now() >= heartbeatAt) {
          await consumers.touchConsumer(db, name);
          heartbeatAt = Date.now() + HEARTBEAT_MS;
        }
        await destination.connect();
        if (!holding || Date.now() >= renewAt) {
          const claimed = await consumers.claimLease(db, name, this.owner, this.leaseMs);
          if (claimed === undefined) {
            holding = false;
            await this.sleep(this.standbyMs);
            continue;
          }
          if (!holding) this.log.info({ position: claimed }, 'delivering events from this replica');
          if (claimed !== position) prefetched = undefined;
          holding = true;
          position = claimed;
          renewAt = Date.now() + this.leaseMs / 3;
        }
        const batch = await (prefetched ?? this.nextBatch(position));
        prefetched = undefined;
        if (batch.length > 0) {
          const last = batch.at(-1)!.id;
          // A backlog drains at the broker's pace only if the database work overlaps its confirms.
          const following = batch.length === this.batchSize ? this.nextBatch(last) : undefined;
          following?.catch(() => undefined);
          await destination.deliver(batch);
          if (!(await consumers.advance(db, name, this.owner, last, this.leaseMs))) {
            // Another replica took over after our lease expired; it resumes from the saved cursor.
            this.log.warn({ position: last }, 'lease lost during a batch; the batch may be delivered twice');
            holding = false;
            continue;
          }
          position = last;
          prefetched = following;
          renewAt = Date.now() + this.leaseMs / 3;
        }
        if (failing) this.log.info('event delivery recovered');
        failing = false;
        this.backoff.reset();
        if (batch.length < this.batchSize) await this.sleep(this.pollMs);
      } catch (err) {
        const delayMs = this.backoff.next();
        this.log.warn({ err: describe(err), retryInMs: delayMs }, 'event delivery failed; retrying');
        failing = true;
        prefetched = undefined;
        if (holding) await consumers.releaseLease(db, name, this.owner).catch(() => undefined);
        holding = false;
        await destination.disconnect().catch(() => undefined);
        await this.sleep(delayMs);
      }
    }
    await prefetched?.catch(() => undefined);
    if (holding) await consumers.releaseLease(db, name, this.owner).catch(() => undefined);
    await destination.disconnect().catch(() => undefined);
  }

  private async nextBatch(position: number): Promise<EventRecord[]> {
    await this.options.sequencer.sequence();
    return eventsAfter(this.options.db, { after: position, limit: this.batchSize });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** Error messages only: broker and driver errors can carry connection details in other fields. */
function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
