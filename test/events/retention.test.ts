import { asc, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { advance, claimLease, touchConsumer } from '../../src/events/consumers.repo.js';
import { recordEvents } from '../../src/events/outbox.js';
import { eventConsumers, eventOutbox } from '../../src/events/outbox.tables.js';
import { pruneEvents, retentionWorker } from '../../src/events/retention.js';
import { EventSequencer } from '../../src/events/sequencer.js';
import { openTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let db: Db;
let sequencer: EventSequencer;
beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
  sequencer = new EventSequencer(db);
});
afterAll(() => database.close());
beforeEach(async () => {
  await db.delete(eventOutbox);
  await db.delete(eventConsumers);
});

/** Six events: the first four written ten days ago, the last two today. Unnumbered, as after an idle week. */
async function writeOldAndNew(): Promise<void> {
  await recordEvents(
    db,
    ['old-1', 'old-2', 'old-3', 'old-4', 'new-1', 'new-2'].map((subject) => ({ type: 'media.updated', subject, actor: null, payload: {} })),
  );
  await db.execute(sql`update ${eventOutbox} set created = now() - interval '10 days' where subject like 'old-%'`);
}

const remaining = async () => (await db.select({ subject: eventOutbox.subject }).from(eventOutbox).orderBy(asc(eventOutbox.seq))).map((r) => r.subject);

/** A consumer that has delivered up to the `n`-th event, alive or silent since `heartbeatDaysAgo`. */
async function consumerAt(name: string, n: number, heartbeatDaysAgo = 0): Promise<void> {
  const ids = (await db.select({ id: eventOutbox.id }).from(eventOutbox).orderBy(asc(eventOutbox.id))).map((r) => r.id!);
  await touchConsumer(db, name);
  await claimLease(db, name, 'me', 1_000);
  await advance(db, name, 'me', ids[n - 1]!, 1_000);
  await db.execute(sql`update ${eventConsumers} set heartbeat = now() - make_interval(days => ${heartbeatDaysAgo}) where name = ${name}`);
}

describe('event retention', () => {
  it('without consumers, deletes events older than the retention, numbering them first', async () => {
    await writeOldAndNew();
    expect(await pruneEvents(db, sequencer, 7)).toBe(4);
    expect(await remaining()).toEqual(['new-1', 'new-2']);
  });

  it('keeps old events a live consumer has not delivered yet', async () => {
    await writeOldAndNew();
    await sequencer.sequence();
    await consumerAt('amqp:slow', 2);
    await consumerAt('amqp:fast', 6);
    expect(await pruneEvents(db, sequencer, 7)).toBe(2);
    expect(await remaining()).toEqual(['old-3', 'old-4', 'new-1', 'new-2']);
  });

  it('ignores consumers silent for longer than the retention', async () => {
    await writeOldAndNew();
    await sequencer.sequence();
    await consumerAt('amqp:switched-off', 1, 8);
    expect(await pruneEvents(db, sequencer, 7)).toBe(4);
  });

  it('with a retention of 0, prunes what live consumers have delivered, and only that', async () => {
    await writeOldAndNew();
    await sequencer.sequence();
    await consumerAt('amqp:live', 5);
    expect(await pruneEvents(db, sequencer, 0)).toBe(5);
    expect(await remaining()).toEqual(['new-2']);
  });

  it('runs as a background worker', async () => {
    await writeOldAndNew();
    const worker = retentionWorker({ db, sequencer, retentionDays: 7, logger: pino({ level: 'silent' }) });
    worker.start();
    await worker.stop();
    expect(await remaining()).toEqual(['new-1', 'new-2']);
  });

  it('EVENTS_RETENTION_DAYS defaults to 7 and must be a whole number of days', () => {
    expect(parseEnv({}).EVENTS_RETENTION_DAYS).toBe(7);
    expect(parseEnv({ EVENTS_RETENTION_DAYS: '30' }).EVENTS_RETENTION_DAYS).toBe(30);
    expect(() => parseEnv({ EVENTS_RETENTION_DAYS: 'a week' })).toThrow(/^invalid configuration: EVENTS_RETENTION_DAYS must be an integer >= 0/);
  });
});
