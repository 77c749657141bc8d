import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { transactionWithRetry } from '../../db/transaction.js';
import { badRequest, forbidden, notFound } from '../../http/errors.js';
import { recordEvents } from '../../events/outbox.js';
import { segmentsEvent } from '../events.js';
import type { DeleteRequestDoc } from '../deletion/delete-requests.schemas.js';
import type { DeleteRequestsService } from '../deletion/delete-requests.service.js';
import { assertNotBeingDeleted } from '../deletion/delete-guard.js';
import type { FlowContent } from '../flows/flow-content.js';
import { appliedLimit, fetchPage, type Page } from '../http/paging.js';
import type { TamsStorage } from '../storage/backends.js';
import { EMPTY, formatTimerange, formatTimestamp, hull, isValidTimerange, parseTimerange, parseTimestamp, timerange, type TimeRange, toSqlBounds } from '../timerange.js';
import type { SegmentEventShaper } from '../webhooks/segment-shaping.js';
import { GetUrlBuilder, type UrlOptions } from './get-urls.js';
import { type Candidate, checkObject, type ObjectAfter, SegmentRefused, segmentError, toCandidate } from './segment-checks.js';
import * as repo from './segments.repo.js';
import { type FailedSegment, type SegmentDoc, type SegmentListQuery, SegmentPost } from './segments.schemas.js';

export interface SegmentPage extends Page<SegmentDoc> {
  /** X-Paging-Timerange: the hull of the page's segments, `()` when empty. */
  timerange: string;
}

/**
 * Segments of flows: registration (one or a bulk array, partial failure as the spec says),
 * time-ordered listing with get_urls, deletion by timerange releasing objects nobody references
 * any more; the flows' `FlowContent`; the shaper of segment webhook events.
 */
export class SegmentsService {
  constructor(
    private readonly db: Db,
    private readonly storage: TamsStorage,
    private readonly deleteRequests: DeleteRequestsService,
    private readonly options: { presignSeconds: number },
  ) {}

  // ---- POST ----------------------------------------------------------------------------

  /**
   * Registers what can be registered; returns the failures (empty: all created). A single
   * segment (not an array) that fails is a 400 instead.
   */
  async register(actor: string, flowId: string, body: unknown): Promise<FailedSegment[]> {
    const single = !Array.isArray(body);
    const items = single ? [body] : (body as unknown[]);
    const failed = new Map<number, FailedSegment>();
    const fail = (i: number, err: unknown, into = failed) => {
      const item = items[i] as { object_id?: unknown; timerange?: unknown } | null;
      const objectId = typeof item?.object_id === 'string' ? item.object_id : '';
      // Echoed only when it is a timerange (failed_segments[].timerange must be one).
      const timerange = isValidTimerange(item?.timerange) ? item.timerange : undefined;
      into.set(i, { object_id: objectId, ...(timerange !== undefined ? { timerange } : {}), error: segmentError(err) });
    };
    const candidates: Candidate[] = [];
    items.forEach((item, i) => {
      const parsed = SegmentPost.safeParse(item);
      if (!parsed.success) return fail(i, new SegmentRefused(z.prettifyError(parsed.error).replace(/\n/g, '; ')));
      try {
        candidates.push(toCandidate(i, parsed.data));
      } catch (err) {
        if (!(err instanceof SegmentRefused)) throw err;
        fail(i, err);
      }
    });
    // Overlaps within the request: the earlier segment (in the request's order) wins.
    const accepted: Candidate[] = [];
    for (const c of [...candidates].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : a.i - b.i))) {
      const clash = accepted.find((a) => a.lo < c.hi && c.lo < a.hi);
      if (clash && clash.i < c.i) fail(c.i, new SegmentRefused(`timerange: ${c.post.timerange} overlaps segment ${clash.post.timerange} of the same request`));
      else if (clash) {
        accepted.splice(accepted.indexOf(clash), 1, c);
        fail(clash.i, new SegmentRefused(`timerange: ${clash.post.timerange} overlaps segment ${c.post.timerange} of the same request`));
      } else accepted.push(c);
    }
    accepted.sort((a, b) => a.i - b.i);

    // Uncontrolled URLs may not take a backend's label (read only when some are given).
    const backendLabels = new Set(accepted.some((c) => c.post.get_urls?.length) ? (await this.storage.list()).map((b) => b.label) : []);
    // Failures found in the transaction count only for the attempt that commits (deadlocks retry it).
    const refusedInTx = await transactionWithRetry(this.db, async (tx) => {
      const refused = new Map<number, FailedSegment>();
      const flow = await repo.lockFlowForSegments(tx, flowId);
      if (!flow) throw notFound(`flow ${flowId} does not exist`);
      if (flow.readOnly) throw forbidden(`flow ${flowId} is read-only; its segments cannot change`);
      if (!flow.container) throw badRequest(`flow ${flowId} has no container; set it before registering segments`);
      if (accepted.length) await assertNotBeingDeleted(tx, flowId, span(accepted));
      const overlapping = await repo.overlappingExisting(tx, flowId, accepted);
      const states = await repo.lockObjects(tx, [...new Set(accepted.map((c) => c.post.object_id))]);
      const objects = new Map<string, ObjectAfter>();
      for (const [id, st] of states) if (st.registered) objects.set(id, { ...st.registered, isNew: false, changedUrls: false });
      const inserted: Candidate[] = [];
      for (const c of accepted) {
        try {
          const existing = overlapping.get(c.i);
          if (existing) throw new SegmentRefused(`timerange: ${c.post.timerange} overlaps the flow's segment ${existing}`);
          objects.set(c.post.object_id, checkObject(c, flowId, states.get(c.post.object_id), objects.get(c.post.object_id), backendLabels));
          inserted.push(c);
        } catch (err) {
          if (!(err instanceof SegmentRefused)) throw err;
          fail(c.i, err, refused);
        }
      }
      if (!inserted.length) return refused;
      const fresh = [...objects].filter(([, o]) => o.isNew);
      await repo.insertObjects(tx, fresh.map(([id, o]) => ({ id, firstFlowId: flowId, timerange: o.timerange, keyFrameCount: o.keyFrameCount, uncontrolled: o.uncontrolled })));
      for (const [id, o] of objects) if (!o.isNew && o.changedUrls) await repo.setUncontrolledUrls(tx, id, o.uncontrolled);
      await repo.insertSegments(
        tx,
        flowId,
        inserted.map((c) => ({
          lo: c.lo,
          hi: c.hi,
          timerange: c.post.timerange,
          objectId: c.post.object_id,
          tsOffset: c.post.ts_offset === undefined ? undefined : c.tsOffset,
          lastDuration: c.post.last_duration === undefined ? undefined : parseTimestamp(c.post.last_duration),
          sampleOffset: c.post.sample_offset,
          sampleCount: c.post.sample_count,
        })),
      );
      await repo.touchSegmentsUpdated(tx, flowId);
      await this.recordSegmentsEvent(tx, actor, flowId, 'segments_added', {
        segments: inserted.map((c) => compactSegment({ ...c.post, get_urls: undefined, init_object_id: undefined, object_timerange: undefined })),
      });
      return refused;
    });
    const failures = [...failed, ...refusedInTx].sort(([a], [b]) => a - b).map(([, f]) => f);
    if (single && failures.length) throw badRequest(failures[0]!.error!.summary);
    return failures;
  }

  // ---- GET -----------------------------------------------------------------------------

  async list(flowId: string, query: SegmentListQuery): Promise<SegmentPage> {
    const reverse = query.reverse_order ?? false;
    const where = [sql`tams_segments.flow_id = ${flowId}`];
    if (query.object_id !== undefined) where.push(sql`tams_segments.object_id = ${query.object_id}`);
    if (query.timerange !== undefined) {
      const bounds = toSqlBounds(query.timerange, { clamp: true });
      if (bounds === null) return { items: [], limit: appliedLimit(query.limit), nextKey: undefined, timerange: '()' };
      where.push(sql`tams_segments.range && ${repo.rangeOf(bounds)}`);
      // Also a btree-usable condition on the start, so the ordered index can serve the page.
      if (bounds.upper !== null) where.push(sql`lower(tams_segments.range) < ${String(bounds.upper)}::int8`);
    }
    const page = await fetchPage(repo.segmentOrder, { ...query, reverse }, (after, orderBy, limit) =>
      repo.selectSegments(this.db, after ? [...where, after] : where, orderBy, limit),
    );
    const urls = new GetUrlBuilder(this.storage, this.options.presignSeconds, query);
    const items = await Promise.all(page.items.map((row) => this.toDoc(row, urls, query.include_object_timerange ?? false)));
    const ranges = page.items.map((r) => parseTimerange(r.timerange));
    return { ...page, items, timerange: formatTimerange(ranges.reduce(hull, EMPTY)) };
  }

  private async toDoc(row: repo.SegmentRow, urls: GetUrlBuilder, includeObjectTimerange: boolean): Promise<SegmentDoc> {
    const doc = compactSegment({
      object_id: row.object_id,
      timerange: row.timerange,
      ts_offset: row.ts_offset === null ? undefined : formatNs(row.ts_offset),
      last_duration: row.last_duration === null ? undefined : formatNs(row.last_duration),
      object_timerange: includeObjectTimerange ? row.object_timerange : undefined,
      sample_offset: row.sample_offset === null ? undefined : Number(row.sample_offset),
      sample_count: row.sample_count === null ? undefined : Number(row.sample_count),
      key_frame_count: row.key_frame_count ?? undefined,
    }) as SegmentDoc;
    const getUrls = await urls.urls({ storeConfigId: Number(row.store_config_id), storeKey: row.store_key, contentType: row.content_type, copies: row.copies, uncontrolled: row.uncontrolled_urls });
    return { ...doc, get_urls: getUrls };
  }

  // ---- DELETE --------------------------------------------------------------------------

  /** Inline (undefined: 204) or by a delete request (202); see DeleteRequestsService. */
  remove(actor: string, flowId: string, query: { timerange?: TimeRange | undefined; object_id?: string | undefined }): Promise<DeleteRequestDoc | undefined> {
    return this.deleteRequests.deleteSegments(actor, flowId, query);
  }

  private async recordSegmentsEvent(tx: Db, actor: string, flowId: string, change: 'segments_added' | 'segments_deleted', event: Record<string, unknown>): Promise<void> {
    await recordEvents(tx, [segmentsEvent(change, await repo.eventFilterOf(tx, flowId), actor, event)]);
  }

  /**
   * Media records that segments use as objects are not deleted through /api: their bytes would
   * vanish under the flows. Deleting the segments releases them.
   */
  readonly deletionGuard = async (tx: Db, pid: string): Promise<string | undefined> => {
    const flows = await repo.flowsUsingObject(tx, pid, 4);
    if (!flows.length) return undefined;
    const named = flows.slice(0, 3).join(', ') + (flows.length > 3 ? ', ...' : '');
    return `media ${pid} is a TAMS object used by segments of flow(s) ${named}; delete those segments first`;
  };

  // ---- flows ---------------------------------------------------------------------------

  /** What flows need from segments (GET /flows?timerange=, include_timerange, DELETE). */
  readonly content: Omit<FlowContent, 'deleteAll'> = {
    overlaps: (flowId, bounds) => sql`exists (select 1 from tams_segments s where s.flow_id = ${flowId} and s.range && ${repo.rangeOf(bounds)})`,
    isEmpty: (flowId) => sql`not exists (select 1 from tams_segments s where s.flow_id = ${flowId})`,
    timerange: async (db, flowId, within) => {
      const bounds = toSqlBounds(within, { clamp: true });
      if (bounds === null) return EMPTY;
      const first = await repo.edgeSegment(db, flowId, bounds, false);
      if (first === undefined) return EMPTY;
      const last = (await repo.edgeSegment(db, flowId, bounds, true))!;
      return hull(parseTimerange(first), parseTimerange(last));
    },
  };

  // ---- webhooks ------------------------------------------------------------------------

  /** Each webhook's `flows/segments_added` event as GET segments would answer with its options. */
  readonly shapeEvent: SegmentEventShaper = async (event, options) => {
    const urlOptions: UrlOptions = {
      verbose_storage: options.verbose_storage,
      accept_get_urls: options.accept_get_urls,
      accept_storage_ids: options.accept_storage_ids,
      presigned: options.presigned,
    };
    const urls = new GetUrlBuilder(this.storage, this.options.presignSeconds, urlOptions);
    const locations = await repo.objectLocations(this.db, [...new Set(event.segments.map((s) => String(s.object_id)))]);
    const segments = await Promise.all(
      event.segments.map(async (segment) => {
        const { get_urls: _urls, object_timerange: _range, ...rest } = segment;
        const where = locations.get(String(segment.object_id));
        // An object deleted since: the segment without URLs.
        if (!where) return rest;
        const shaped: Record<string, unknown> = { ...rest, get_urls: await urls.urls({ storeConfigId: Number(where.store_config_id), storeKey: where.store_key, contentType: where.content_type, copies: where.copies, uncontrolled: where.uncontrolled_urls }) };
        if (options.include_object_timerange) shaped.object_timerange = where.object_timerange;
        if (where.key_frame_count !== null && shaped.key_frame_count === undefined) shaped.key_frame_count = where.key_frame_count;
        return shaped;
      }),
    );
    return { ...event, segments };
  };
}

const formatNs = (v: string): string => formatTimestamp(BigInt(v));

/** The half-open nanosecond span of the candidates (not empty). */
function span(candidates: Candidate[]): TimeRange {
  return timerange(candidates.reduce((lo, c) => (c.lo < lo ? c.lo : lo), candidates[0]!.lo), candidates.reduce((hi, c) => (c.hi > hi ? c.hi : hi), candidates[0]!.hi));
}

function compactSegment<T extends Record<string, unknown>>(segment: T): Partial<T> {
  return Object.fromEntries(Object.entries(segment).filter(([, v]) => v !== undefined)) as Partial<T>;
}
