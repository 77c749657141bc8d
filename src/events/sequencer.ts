import { isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { eventOutbox, eventSequencer } from './outbox.tables.js';

/**
 * Gives committed outbox rows their public ids, in rounds serialised by the lock on the
 * `event_sequencer` row. A round sees only committed rows and numbers them after the last id
 * of the previous round, so ids become visible in increasing order: once a reader has seen id
 * N, no row with an id below N can appear later. (A `bigserial` cannot promise that: it is
 * taken at insert, and a transaction holding a lower value may commit after a higher one.)
 *
 * Any reader that wants the newest events runs a round first (the feed, each outbox consumer,
 * the retention pass); rounds are cheap when there is nothing to number.
 */
export class EventSequencer {
  constructor(
    private readonly db: Db,
    /** Bounds how long a round holds the lock when a large backlog is waiting. */
    private readonly maxPerRound = 5_000,
  ) {}

  /** Numbers waiting events; returns how many got an id. */
  async sequence(): Promise<number> {
    const waiting = await this.db.select({ seq: eventOutbox.seq }).from(eventOutbox).where(isNull(eventOutbox.id)).limit(1);
    if (waiting.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      // Creates the state row on first use and locks it; waits for a round in progress elsewhere.
      const [state] = await tx
        .insert(eventSequencer)
        .values({ singleton: true, lastId: 0 })
        .onConflictDoUpdate({ target: eventSequencer.singleton, set: { lastId: sql`${eventSequencer.lastId}` } })
        .returning({ lastId: eventSequencer.lastId });
      const lastId = state!.lastId;
      // A new statement, so a new snapshot: it sees what the previous round committed.
      const numbered = (await tx.execute(sql`
        with batch as (
          select seq, row_number() over (order by seq) as n
          from (select seq from ${eventOutbox} where id is null order by seq limit ${this.maxPerRound}) waiting
        ), assigned as (
          update ${eventOutbox} o set id = ${lastId}::bigint + batch.n from batch where o.seq = batch.seq returning 1
        )
        select count(*)::int as n from assigned`)) as unknown as { rows: { n: number }[] };
      const n = numbered.rows[0]?.n ?? 0;
      if (n > 0) await tx.update(eventSequencer).set({ lastId: lastId + n });
      return n;
    });
  }

  /** Rounds until one is not full: everything committed before the call has an id after it. */
  async sequenceAll(): Promise<void> {
    while ((await this.sequence()) === this.maxPerRound);
  }
}
