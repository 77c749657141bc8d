import { and, asc, eq, getTableColumns, gt, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { ACTIVE_STATUSES, type WebhookRow } from './webhooks.repo.js';
import { tamsWebhookDeliveries, tamsWebhooks } from './webhooks.tables.js';

const d = tamsWebhookDeliveries;
const w = tamsWebhooks;
export type DeliveryRow = typeof d.$inferSelect;
export type NewDelivery = Omit<typeof d.$inferInsert, 'id' | 'head' | 'due' | 'attempts' | 'leaseOwner' | 'leaseUntil'>;

const inMs = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000}::float8)`;
// A constant of this service's, first half of the two-key advisory lock on a delivery queue.
const QUEUE_LOCK_CLASS = 727_010;
const INSERT_CHUNK = 1_000;

/**
 * Serialises, per (webhook, ordering key) queue, the writers that decide which row is the head:
 * the fan-out adding rows and a delivery removing the head and promoting the next. Taken in a
 * fixed order.
 */
async function lockQueues(tx: Db, queues: string[]): Promise<void> {
  await tx.execute(sql`
    select pg_advisory_xact_lock(${QUEUE_LOCK_CLASS}, hashtext(q))
    from (select jsonb_array_elements_text(${JSON.stringify([...new Set(queues)].sort())}::jsonb) as q order by 1) queues`);
}

const queueOf = (webhookId: string, orderingKey: string) => `${webhookId} ${orderingKey}`;

/**
 * Appends deliveries (in event order) to their queues. The first row of a queue that had
 * nothing waiting becomes its head; the others wait behind it. Rows already queued (the same
 * event for the same webhook) are skipped.
 */
export async function enqueue(tx: Db, rows: NewDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  const queues = [...new Set(rows.map((r) => queueOf(r.webhookId, r.orderingKey)))];
  await lockQueues(tx, queues);
  // After the locks: a new statement, so it sees what the deliveries that held them committed.
  const waiting = (await tx.execute(sql`
    select q from jsonb_array_elements_text(${JSON.stringify(queues)}::jsonb) as q
    where exists (
      select 1 from ${d} where ${d.webhookId} = split_part(q, ' ', 1)::uuid and ${d.orderingKey} = substr(q, 38)
    )`)) as unknown as { rows: { q: string }[] };
  const started = new Set(waiting.rows.map((r) => r.q));
  const values = rows.map((r) => {
    const queue = queueOf(r.webhookId, r.orderingKey);
    const head = !started.has(queue);
    started.add(queue);
    return { ...r, head };
  });
  for (let i = 0; i < values.length; i += INSERT_CHUNK) {
    await tx
      .insert(d)
      .values(values.slice(i, i + INSERT_CHUNK))
      .onConflictDoNothing({ target: [d.webhookId, d.eventId] });
  }
}

/** A leased delivery with its webhook as it was when leased. */
export interface Claimed {
  delivery: DeliveryRow;
  webhook: WebhookRow;
}

/**
 * Leases up to `limit` heads that are due, oldest first, of webhooks that are on. Rows another
 * replica is leasing right now are skipped (SKIP LOCKED), and a lease that expired (its holder
 * died mid-delivery) makes the row due again.
 */
export async function claimDue(db: Db, owner: string, limit: number, leaseMs: number): Promise<Claimed[]> {
  const due = db
    .select({ id: d.id })
    .from(d)
    .innerJoin(w, eq(w.id, d.webhookId))
    .where(and(eq(d.head, true), lte(d.due, sql`now()`), or(isNull(d.leaseUntil), lt(d.leaseUntil, sql`now()`)), inArray(w.status, ACTIVE_STATUSES)))
    .orderBy(asc(d.id))
    .limit(limit)
    .for('update', { of: d, skipLocked: true });
  const rows = await db
    .update(d)
    .set({ leaseOwner: owner, leaseUntil: inMs(leaseMs) })
    .from(w)
    .where(and(eq(w.id, d.webhookId), inArray(d.id, due)))
    .returning({ delivery: getTableColumns(d), webhook: getTableColumns(w) });
  return rows.sort((a, b) => a.delivery.id - b.delivery.id);
}

/**
 * The receivers have them: removes the rows and makes the next of each queue its head, in one
 * transaction for all. Rows that are gone, or whose lease another replica took over meanwhile,
 * are left alone (the other holder finishes the job). Returns the rows removed.
 */
export async function complete(db: Db, rows: DeliveryRow[], owner: string): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return db.transaction(async (tx) => {
    await lockQueues(tx, rows.map((r) => queueOf(r.webhookId, r.orderingKey)));
    const removed = await tx
      .delete(d)
      .where(and(inArray(d.id, rows.map((r) => r.id)), eq(d.leaseOwner, owner)))
      .returning({ id: d.id });
    const gone = new Set(removed.map((r) => r.id));
    const done = rows.filter((r) => gone.has(r.id));
    const queues = [...new Set(done.map((r) => queueOf(r.webhookId, r.orderingKey)))];
    if (queues.length > 0) {
      await tx.execute(sql`
        update ${d} set head = true, due = now()
        where ${d.id} in (
          select next.id from jsonb_array_elements_text(${JSON.stringify(queues)}::jsonb) as q
          cross join lateral (
            select ${d.id} as id from ${d}
            where ${d.webhookId} = split_part(q, ' ', 1)::uuid and ${d.orderingKey} = substr(q, 38)
            order by ${d.id} limit 1
          ) next
        )`);
    }
    return done;
  });
}

/** A failed attempt: the row stays the head of its queue and is due again after `delayMs`. */
export async function retryLater(db: Db, row: DeliveryRow, owner: string, delayMs: number): Promise<void> {
  await db
    .update(d)
    .set({ attempts: row.attempts + 1, due: inMs(delayMs), leaseOwner: null, leaseUntil: null })
    .where(and(eq(d.id, row.id), eq(d.leaseOwner, owner)));
}

/** The webhook changed (a fixed url, a new key): what was waiting for a retry is due now, its failures forgotten. */
export async function retryNow(tx: Db, webhookId: string): Promise<void> {
  await tx
    .update(d)
    .set({ due: sql`now()`, attempts: 0 })
    .where(and(eq(d.webhookId, webhookId), eq(d.head, true), gt(d.attempts, 0)));
}

/** Drops every delivery waiting for a webhook (it was switched off); returns how many. */
export async function discardAll(tx: Db, webhookId: string): Promise<number> {
  const gone = (await tx.execute(sql`
    with gone as (delete from ${d} where ${d.webhookId} = ${webhookId} returning 1)
    select count(*)::int as n from gone`)) as unknown as { rows: { n: number }[] };
  return gone.rows[0]?.n ?? 0;
}
