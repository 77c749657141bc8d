import { and, eq, gte, isNull, lt, min, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { eventConsumers } from './outbox.tables.js';

const inMs = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000}::float8)`;

/** Registers a consumer (from the oldest retained event) and records a sign of life. */
export async function touchConsumer(db: Db, name: string): Promise<void> {
  await db
    .insert(eventConsumers)
    .values({ name })
    .onConflictDoUpdate({ target: eventConsumers.name, set: { heartbeat: sql`now()` } });
}

/**
 * Takes or renews the consumer's lease for `owner`; returns the consumer's position, or
 * undefined while another replica holds an unexpired lease.
 */
export async function claimLease(db: Db, name: string, owner: string, leaseMs: number): Promise<number | undefined> {
  const [row] = await db
    .update(eventConsumers)
    .set({ leaseOwner: owner, leaseUntil: inMs(leaseMs) })
    .where(
      and(
        eq(eventConsumers.name, name),
        or(isNull(eventConsumers.leaseOwner), eq(eventConsumers.leaseOwner, owner), lt(eventConsumers.leaseUntil, sql`now()`)),
      ),
    )
    .returning({ position: eventConsumers.position });
  return row?.position;
}

/** Moves the cursor and renews the lease; false when the lease was lost to another replica meanwhile. */
export async function advance(db: Db, name: string, owner: string, position: number, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(eventConsumers)
    .set({ position, leaseUntil: inMs(leaseMs) })
    .where(and(eq(eventConsumers.name, name), eq(eventConsumers.leaseOwner, owner)))
    .returning({ name: eventConsumers.name });
  return rows.length === 1;
}

/**
 * For a destination that keeps its progress in the same transaction as its own writes (so a
 * batch is never applied twice): the consumer's position, row-locked until the transaction ends.
 */
export async function lockPosition(tx: Db, name: string): Promise<number> {
  const [row] = await tx.select({ position: eventConsumers.position }).from(eventConsumers).where(eq(eventConsumers.name, name)).for('update');
  return row?.position ?? 0;
}

/** Moves the position of a consumer locked with `lockPosition`. */
export async function setPosition(tx: Db, name: string, position: number): Promise<void> {
  await tx.update(eventConsumers).set({ position }).where(eq(eventConsumers.name, name));
}

export async function releaseLease(db: Db, name: string, owner: string): Promise<void> {
  await db
    .update(eventConsumers)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(eventConsumers.name, name), eq(eventConsumers.leaseOwner, owner)));
}

/** The lowest position among consumers alive since `since`, or undefined when there are none. */
export async function slowestLiveConsumer(db: Db, since: Date): Promise<number | undefined> {
  const [row] = await db
    .select({ position: min(eventConsumers.position) })
    .from(eventConsumers)
    .where(gte(eventConsumers.heartbeat, since));
  return row?.position ?? undefined;
}
