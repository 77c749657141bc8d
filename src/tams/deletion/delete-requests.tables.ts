import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { instant } from '../columns.js';

export type DeleteRequestStatus = 'created' | 'started' | 'done' | 'error';

/** The spec's error.json, as a failed request reports it. */
export interface DeleteRequestError {
  type: string;
  summary: string;
  time: string;
}

/**
 * Flow delete requests (deletion-request.json): deletions too large to finish within their HTTP
 * request, carried out in batches by the delete-request worker of any replica. No foreign key
 * to the flow: a finished request of a deleted flow stays readable until `expiry`.
 * `lease_owner`/`lease_until`: the worker working on it; a lapsed lease lets another take over.
 */
export const tamsDeleteRequests = pgTable(
  'tams_delete_requests',
  {
    id: uuid('id').primaryKey(),
    flowId: uuid('flow_id').notNull(),
    timerangeToDelete: text('timerange_to_delete').notNull(),
    timerangeRemaining: text('timerange_remaining').notNull(),
    /** Only segments of this object (DELETE segments?object_id=). */
    objectId: text('object_id'),
    deleteFlow: boolean('delete_flow').notNull(),
    status: text('status').$type<DeleteRequestStatus>().notNull().default('created'),
    created: instant('created').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updated: instant('updated').notNull().defaultNow(),
    /** Set when the request ends (done or error): it is purged after this. */
    expiry: instant('expiry'),
    error: jsonb('error').$type<DeleteRequestError>(),
    /** Segments deleted so far (for logs and the bench). */
    deletedSegments: integer('deleted_segments').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: instant('lease_until'),
  },
  (t) => [
    // Pending requests of a flow (new segments and flow PUTs check it) and the worker's queue.
    index('tams_delete_requests_pending_idx').on(t.flowId).where(sql`${t.status} in ('created', 'started')`),
    index('tams_delete_requests_created_idx').on(t.created, t.id),
    index('tams_delete_requests_expiry_idx').on(t.expiry),
  ],
);

/**
 * Media records of TAMS objects that lost their last segment, written in the transaction that
 * released them and removed once the record (and its bytes) is deleted or marked for the media
 * deletion retry worker. A crash in between leaves the row, and the delete-request worker
 * finishes it. (Marking the records themselves in that transaction would update every index
 * of `media`, GIN ones included: far slower for large deletions.)
 */
export const tamsReleasedObjects = pgTable(
  'tams_released_objects',
  {
    pid: text('pid').primaryKey(),
    actor: text('actor').notNull(),
    released: instant('released').notNull().defaultNow(),
  },
  (t) => [index('tams_released_objects_released_idx').on(t.released)],
);
