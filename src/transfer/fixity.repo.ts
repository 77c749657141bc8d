import { and, asc, count, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { media } from '../media/media.tables.js';
import { fixityAudits, type AuditSelection } from './fixity.tables.js';

export type AuditRow = typeof fixityAudits.$inferSelect;

/** Keep the list of mismatching pids on an audit row short; the records themselves are marked. */
const MAX_LISTED_MISMATCHES = 1000;

/** READY records, not being deleted, matching every condition of the selection. */
function selected(s: AuditSelection): SQL {
  const conditions: (SQL | undefined)[] = [eq(media.storeStatus, 'READY'), isNull(media.deleteRequested)];
  if (s.store_config !== undefined) conditions.push(eq(media.storeConfigId, s.store_config));
  if (s.tag !== undefined) conditions.push(sql`${media.tags} @> array[${s.tag}]::text[]`);
  if (s.stored_before !== undefined) conditions.push(lt(media.stored, new Date(s.stored_before)));
  if (s.not_verified_for !== undefined) {
    conditions.push(or(isNull(media.fixityChecked), lt(media.fixityChecked, sql`now() - make_interval(secs => ${s.not_verified_for})`)));
  }
  return and(...conditions)!;
}

export async function countSelected(db: Db, s: AuditSelection): Promise<number> {
  return (await db.select({ n: count() }).from(media).where(selected(s)))[0]!.n;
}

/** The next `limit` record ids of the selection after `afterId`, in id order. */
export async function nextSelected(db: Db, s: AuditSelection, afterId: number, limit: number): Promise<number[]> {
  const rows = await db.select({ id: media.id }).from(media).where(and(selected(s), gt(media.id, afterId))).orderBy(asc(media.id)).limit(limit);
  return rows.map((r) => r.id);
}

export async function insertAudit(db: Db, selection: AuditSelection, total: number, createdBy: string): Promise<AuditRow> {
  return (await db.insert(fixityAudits).values({ selection, total, createdBy }).returning())[0]!;
}

export async function findAudit(db: Db, id: number): Promise<AuditRow | undefined> {
  return (await db.select().from(fixityAudits).where(eq(fixityAudits.id, id)))[0];
}

export interface AuditStep {
  lastMediaId: number;
  matched: number;
  mismatched: number;
  errors: number;
  mismatches: string[];
}

/** Adds one batch's outcome to the audit's counters (and refreshes its lease, `updated`). */
export async function recordStep(db: Db, id: number, step: AuditStep): Promise<void> {
  const checked = step.matched + step.mismatched + step.errors;
  await db
    .update(fixityAudits)
    .set({
      lastMediaId: step.lastMediaId,
      checked: sql`${fixityAudits.checked} + ${checked}`,
      matched: sql`${fixityAudits.matched} + ${step.matched}`,
      mismatched: sql`${fixityAudits.mismatched} + ${step.mismatched}`,
      errors: sql`${fixityAudits.errors} + ${step.errors}`,
      mismatches: sql`(select coalesce(jsonb_agg(p), '[]'::jsonb) from (select p from jsonb_array_elements(${fixityAudits.mismatches} || ${JSON.stringify(step.mismatches)}::jsonb) as e(p) limit ${MAX_LISTED_MISMATCHES}) as l)`,
      updated: sql`now()`,
    })
    .where(eq(fixityAudits.id, id));
}

export async function finishAudit(db: Db, id: number, status: 'done' | 'failed', error?: string): Promise<void> {
  await db.update(fixityAudits).set({ status, error: error ?? null, finished: sql`now()`, updated: sql`now()` }).where(eq(fixityAudits.id, id));
}

/**
 * Takes over running audits whose runner stopped refreshing them (a restart, a crashed
 * replica) for `staleSeconds`: one replica wins each, by refreshing `updated` first.
 */
export async function claimStale(db: Db, staleSeconds: number): Promise<AuditRow[]> {
  return db
    .update(fixityAudits)
    .set({ updated: sql`now()` })
    .where(and(eq(fixityAudits.status, 'running'), lt(fixityAudits.updated, sql`now() - make_interval(secs => ${staleSeconds})`)))
    .returning();
}
