import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { eventOutbox } from '../../events/outbox.tables.js';
import type { SortOrder } from '../http/paging.js';
import { tagConditions } from '../tag-filters.js';
import type { DeliveryError, WebhookListQuery, WebhookStatus } from './webhooks.schemas.js';
import { tamsWebhooks } from './webhooks.tables.js';

const w = tamsWebhooks;
export type WebhookRow = typeof w.$inferSelect;
export type WebhookValues = Omit<typeof w.$inferInsert, 'id' | 'created' | 'updated'>;

/** Webhooks in these states receive events. */
export const ACTIVE_STATUSES: WebhookStatus[] = ['created', 'started'];

/** Who may see a webhook: its owner; undefined for an administrator (everyone's). */
export interface Owner {
  kind: 'user' | 'client';
  name: string;
}
const visibleTo = (owner: Owner | undefined): SQL | undefined => (owner ? and(eq(w.ownerKind, owner.kind), eq(w.owner, owner.name)) : undefined);

/** Alphabetical by url (the spec's order), ties by id. */
export const webhookOrder: SortOrder<WebhookRow> = {
  name: 'url',
  parts: [
    { sql: sql`${w.url}`, cast: 'text' },
    { sql: sql`${w.id}`, cast: 'uuid' },
  ],
  descending: false,
  keyOf: (row) => [row.url, row.id],
};

/** `tag.{name}` and `tag_exists.{name}` on the webhook's own tags. */
export const listConditions = (query: WebhookListQuery): SQL[] => tagConditions(w.tags, query);

export const listWebhooks = (db: Db, owner: Owner | undefined, conditions: SQL[], after: SQL | undefined, orderBy: SQL[], limit: number): Promise<WebhookRow[]> =>
  db
    .select()
    .from(w)
    .where(and(visibleTo(owner), ...conditions, after))
    .orderBy(...orderBy)
    .limit(limit);

export const findWebhook = async (db: Db, id: string, owner: Owner | undefined): Promise<WebhookRow | undefined> =>
  (await db.select().from(w).where(and(eq(w.id, id), visibleTo(owner))))[0];

/** The row, locked against fan-out and deliveries until the transaction ends. */
export const lockWebhook = async (tx: Db, id: string, owner: Owner | undefined): Promise<WebhookRow | undefined> =>
  (await tx.select().from(w).where(and(eq(w.id, id), visibleTo(owner))).for('update'))[0];

export const insertWebhook = async (tx: Db, id: string, values: WebhookValues): Promise<WebhookRow> => (await tx.insert(w).values({ id, ...values }).returning())[0]!;

export const updateWebhook = async (tx: Db, id: string, values: Partial<WebhookValues>): Promise<WebhookRow> =>
  (await tx.update(w).set({ ...values, updated: sql`now()` }).where(eq(w.id, id)).returning())[0]!;

export const deleteWebhook = async (tx: Db, id: string): Promise<void> => {
  await tx.delete(w).where(eq(w.id, id));
};

/**
 * The webhooks that receive events, share-locked until the transaction ends: a webhook being
 * switched off waits for the fan-out holding it, and a fan-out after the switch sees it off.
 */
export const activeWebhooks = (tx: Db): Promise<WebhookRow[]> => tx.select().from(w).where(inArray(w.status, ACTIVE_STATUSES)).for('share');

export const webhooksByIds = (db: Db, ids: string[]): Promise<WebhookRow[]> => (ids.length ? db.select().from(w).where(inArray(w.id, ids)) : Promise.resolve([]));

/** The newest sequenced outbox id: events up to it happened before whatever is being written now. */
export async function latestEventId(db: Db): Promise<number> {
  const [row] = await db.select({ id: sql<number>`coalesce(max(${eventOutbox.id}), 0)::bigint` }).from(eventOutbox);
  return Number(row?.id ?? 0);
}

/** A delivery succeeded: `created` becomes `started`, a noted failure is cleared. Undefined when the webhook is not on any more. */
export async function markDelivered(db: Db, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db
    .update(w)
    .set({ status: sql`case when ${w.status} = 'created' then 'started' else ${w.status} end`, error: null })
    .where(and(eq(w.id, id), inArray(w.status, ACTIVE_STATUSES)))
    .returning();
  return row;
}

/** Notes the last failed attempt on a webhook that is still on. */
export async function noteFailure(db: Db, id: string, error: DeliveryError): Promise<void> {
  await db
    .update(w)
    .set({ error })
    .where(and(eq(w.id, id), inArray(w.status, ACTIVE_STATUSES)));
}

/** Switches a webhook that is on to `error`; undefined when it was not on any more. */
export async function markError(tx: Db, id: string, error: DeliveryError): Promise<WebhookRow | undefined> {
  const [row] = await tx
    .update(w)
    .set({ status: 'error', error, updated: sql`now()` })
    .where(and(eq(w.id, id), inArray(w.status, ACTIVE_STATUSES)))
    .returning();
  return row;
}
