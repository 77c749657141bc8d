import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const AUDIT_STATUSES = ['running', 'done', 'failed'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

/** What an audit verifies; every condition optional, combined with AND. */
export interface AuditSelection {
  store_config?: number | undefined;
  tag?: string | undefined;
  /** ISO time: records whose bytes were stored before it. */
  stored_before?: string | undefined;
  /** Seconds: records not verified for at least this long (or never). */
  not_verified_for?: number | undefined;
}

/**
 * A fixity audit: the selection, progress counters and the last record id done, so that an
 * audit interrupted by a restart can carry on where it stopped (`resume`).
 */
export const fixityAudits = pgTable(
  'fixity_audits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    selection: jsonb('selection').$type<AuditSelection>().notNull(),
    status: text('status', { enum: AUDIT_STATUSES }).notNull().default('running'),
    total: integer('total').notNull().default(0),
    checked: integer('checked').notNull().default(0),
    matched: integer('matched').notNull().default(0),
    mismatched: integer('mismatched').notNull().default(0),
    /** Records that could not be read (store unreachable...): neither match nor mismatch. */
    errors: integer('errors').notNull().default(0),
    /** Media ids above this one are still to do. */
    lastMediaId: bigint('last_media_id', { mode: 'number' }).notNull().default(0),
    /** Pids of the mismatches, at most a few hundred (the records are marked anyway). */
    mismatches: jsonb('mismatches').$type<string[]>().notNull().default([]),
    error: text('error'),
    createdBy: text('created_by').notNull(),
    started: timestamp('started', { withTimezone: true }).notNull().defaultNow(),
    updated: timestamp('updated', { withTimezone: true }).notNull().defaultNow(),
    finished: timestamp('finished', { withTimezone: true }),
  },
  (t) => [check('fixity_audits_status', sql`${t.status} in ('running', 'done', 'failed')`)],
);
