import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { Backoff } from '../../src/events/backoff.js';
import { claimLease, touchConsumer } from '../../src/events/consumers.repo.js';
import type { EventRecord } from '../../src/events/event-message.js';
import { recordEvents } from '../../src/events/outbox.js';
import { eventConsumers } from '../../src/events/outbox.tables.js';
import { OutboxConsumer, type OutboxDestination } from '../../src/events/outbox-consumer.js';
import { EventSequencer } from '../../src/events/sequencer.js';
import { openTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let db: Db;
let consumerName: string;
let written = 0;
beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(() => database.close());
beforeEach((ctx) => {
  consumerName = ctx.task.name;
});

const quiet = pino({ level: 'silent' });

/** Records `n` events in separate transactions; returns their subjects. */
async function write(n: number): Promise<string[]> {
  const subjects = Array.from({ length: n }, () => `s${++written}`);
  for (const subject of subjects) await db.transaction((tx) => recordEvents(tx, [{ type: 'media.created', subject, actor: null, payload: {} }]));
  return subjects;
}

/** A destination that records deliveries and can be told to fail or to hold a batch. */
class FakeDestination implements OutboxDestination {
  batches: string[][] = [];
  failConnects = 0;
  failDeliveries = 0;
  hold: Promise<void> | undefined;
  connected = false;
  async connect() {
    if (this.failConnects > 0 && this.failConnects--) throw new Error('unreachable');
    this.connected = true;
  }
  async deliver(events: EventRecord[]) {
    await this.hold;
    if (this.failDeliveries > 0 && this.failDeliveries--) throw new Error('nacked');
    this.batches.push(events.map((e) => e.subject));
  }
  async disconnect() {
    this.connected = false;
  }
  get delivered() {
    return this.batches.flat();
  }
}

function consumer(destination: OutboxDestination, options: { batchSize?: number; leaseMs?: number } = {}) {
  return new OutboxConsumer({
    name: consumerName,
    db,
    sequencer: new EventSequencer(db),
    destination,
    logger: quiet,
    pollMs: 20,
    standbyMs: 20,
    backoff: new Backoff(5, 20),
    ...options,
  });
}

const stored = async () => (await db.select().from(eventConsumers).where(eq(eventConsumers.name, consumerName)))[0]!;

describe('OutboxConsumer', () => {
  it('delivers in order, in batches, and saves its cursor after each', async () => {
    const destination = new FakeDestination();
    const c = consumer(destination, { batchSize: 3 });
    const before = (await db.select().from(eventConsumers)).length;
    const subjects = await write(7);
    c.start();
    await expect.poll(() => destination.delivered.length).toBe(7);
    await c.stop();
    expect(before).toBe(0);
    expect(destination.batches).toEqual([subjects.slice(0, 3), subjects.slice(3, 6), subjects.slice(6)]);
    expect(await stored()).toMatchObject({ position: 7, leaseOwner: null });
  });

  it('resumes from its saved cursor after a restart', async () => {
    const first = new FakeDestination();
    const c1 = consumer(first);
    c1.start();
    await expect.poll(() => first.delivered.length).toBe(7);
    await c1.stop();
    const later = await write(2);
    const second = new FakeDestination();
    const c2 = consumer(second);
    c2.start();
    await expect.poll(() => second.delivered).toEqual(later);
    await c2.stop();
  });

  it('retries a failed batch from the same place, losing nothing', async () => {
    const destination = new FakeDestination();
    destination.failConnects = 2;
    destination.failDeliveries = 2;
    // Full batches, so the next one is being read while a delivery fails.
    const c = consumer(destination, { batchSize: 4 });
    c.start();
    await expect.poll(() => destination.delivered.length).toBe(9);
    await c.stop();
    const all = Array.from({ length: 9 }, (_, i) => `s${i + 1}`);
    expect(destination.batches).toEqual([all.slice(0, 4), all.slice(4, 8), all.slice(8)]);
    expect(destination.connected).toBe(false);
  });

  it('waits for the lease of a crashed replica to expire, then takes over', async () => {
    await touchConsumer(db, consumerName);
    expect(await claimLease(db, consumerName, 'crashed-replica', 300)).toBe(0);
    const destination = new FakeDestination();
    const c = consumer(destination);
    c.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(destination.delivered).toEqual([]);
    await expect.poll(() => destination.delivered.length, { timeout: 3_000 }).toBe(9);
    await c.stop();
  });

  it('on stop, finishes the batch in flight, saves the cursor and releases the lease', async () => {
    const subjects = await write(4);
    const destination = new FakeDestination();
    let release!: () => void;
    destination.hold = new Promise((r) => (release = r));
    const c = consumer(destination);
    c.start();
    await expect.poll(async () => (await stored()).leaseOwner).not.toBeNull();
    const stopping = c.stop();
    await new Promise((r) => setTimeout(r, 50));
    release();
    await stopping;
    expect(destination.delivered.slice(-4)).toEqual(subjects);
    expect(await stored()).toMatchObject({ position: written, leaseOwner: null, leaseUntil: null });
    expect(destination.connected).toBe(false);
  });
});
