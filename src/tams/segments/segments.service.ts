import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { transactionWithRetry } from '../../db/transaction.js';
import type { DeleteRequestDoc } from '../deletion/delete-requests.schemas.js';
import type { DeleteRequestsService } from '../deletion/delete-requests.service.js';
import type { FlowContent } from '../flows/flow-content.js';
import { appliedLimit, fetchPage, type Page } from '../http/paging.js';
import type { TamsStorage } from '../storage/backends.js';
import { EMPTY, formatTimerange, formatTimestamp, hull, parseTimerange, type TimeRange, toSqlBounds } from '../timerange.js';
import type { SegmentEventShaper } from '../webhooks/segment-shaping.js';
import { type GetUrl, GetUrlBuilder, type ObjectLocation, type UrlOptions } from './get-urls.js';
import { GroupCommit } from './group-commit.js';
import { compactSegment, type Outcome, prepareRegistration, type Registration, registerInTransaction } from './registration.js';
import * as repo from './segments.repo.js';
import type { FailedSegment, SegmentDoc, SegmentListQuery } from './segments.schemas.js';

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
   * segment (not an array) that fails is a 400 instead. POSTs of one segment go through group
   * commit (concurrent ones share a transaction); larger ones have a transaction of their own.
   */
  async register(actor: string, flowId: string, body: unknown): Promise<FailedSegment[]> {
    // Uncontrolled URLs may not take a backend's label (read only when some are given).
    const withUrls = (Array.isArray(body) ? body : [body]).some((b) => Array.isArray((b as { get_urls?: unknown } | null)?.get_urls));
    const backendLabels = new Set(withUrls ? (await this.storage.list()).map((b) => b.label) : []);
    const registration = prepareRegistration(actor, flowId, body, backendLabels);
    const outcome = registration.candidates.length + registration.failed.size === 1 ? await this.grouped.submit(registration) : await this.alone(registration);
    if ('error' in outcome) throw outcome.error;
    return outcome.failures;
  }

  /** In a transaction of its own, waiting for the flow's lock. */
  private async alone(registration: Registration): Promise<Exclude<Outcome, { locked: true }>> {
    const [outcome] = await transactionWithRetry(this.db, (tx) => registerInTransaction(tx, [registration], { skipLocked: false }));
    return outcome as Exclude<Outcome, { locked: true }>;
  }

  /**
   * A batch of group commit. Flows held by another transaction are skipped, not waited for (a
   * bulk POST or a deletion on one flow must not hold up the others): those POSTs run alone,
   * as do all of a batch whose transaction failed, so that none fails for another's sake.
   */
  private readonly grouped = new GroupCommit<Registration, Exclude<Outcome, { locked: true }>>(
    async (batch) => {
      let outcomes: Outcome[];
      try {
        outcomes = await transactionWithRetry(this.db, (tx) => registerInTransaction(tx, batch, { skipLocked: true }));
      } catch (err) {
        if (batch.length === 1) throw err;
        outcomes = batch.map(() => ({ locked: true }));
      }
      // Those left run after the batch, which answers the others at once.
      return outcomes.map((o, i) =>
        'locked' in o ? this.alone(batch[i]!).catch((err: unknown) => ({ error: err instanceof Error ? err : new Error(String(err)) })) : o,
      );
    },
    (registration) => registration.flowId,
    { maxInFlight: 2, maxBatch: 64 },
  );

  // ---- GET -----------------------------------------------------------------------------

  async list(flowId: string, query: SegmentListQuery): Promise<SegmentPage> {
    const reverse = query.reverse_order ?? false;
    const bounds = query.timerange === undefined ? undefined : toSqlBounds(query.timerange, { clamp: true });
    if (bounds === null) return { items: [], limit: appliedLimit(query.limit), nextKey: undefined, timerange: '()' };
    // overlapsSql names the flow itself.
    const where = [bounds === undefined ? sql`tams_segments.flow_id = ${flowId}` : repo.overlapsSql('tams_segments', sql`${flowId}::uuid`, bounds)];
    if (query.object_id !== undefined) where.push(sql`tams_segments.object_id = ${query.object_id}`);
    const page = await fetchPage(repo.segmentOrder, { ...query, reverse }, (after, orderBy, limit) =>
      repo.selectSegments(this.db, after ? [...where, after] : where, orderBy, limit),
    );
    const urls = new GetUrlBuilder(this.storage, this.options.presignSeconds, query);
    const inits = await repo.objectLocations(this.db, [...new Set(page.items.flatMap((r) => (r.init_object_id === null ? [] : [r.init_object_id])))]);
    const items = await Promise.all(page.items.map((row) => this.toDoc(row, urls, inits, query.include_object_timerange ?? false)));
    const ranges = page.items.map((r) => parseTimerange(r.timerange));
    return { ...page, items, timerange: formatTimerange(ranges.reduce(hull, EMPTY)) };
  }

  private async toDoc(row: repo.SegmentRow, urls: GetUrlBuilder, inits: Map<string, repo.ObjectLocationRow>, includeObjectTimerange: boolean): Promise<SegmentDoc> {
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
    const getUrls = await urls.urls(locationOf(row));
    const init = row.init_object_id === null ? undefined : await initObject(row.init_object_id, inits.get(row.init_object_id), urls);
    return { ...doc, ...(init ? { init_object: init } : {}), get_urls: getUrls };
  }

  // ---- DELETE --------------------------------------------------------------------------

  /** Inline (undefined: 204) or by a delete request (202); see DeleteRequestsService. */
  remove(actor: string, flowId: string, query: { timerange?: TimeRange | undefined; object_id?: string | undefined }): Promise<DeleteRequestDoc | undefined> {
    return this.deleteRequests.deleteSegments(actor, flowId, query);
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
    overlaps: (flowId, bounds) => sql`exists (select 1 from tams_segments s where ${repo.overlapsSql('s', flowId, bounds)})`,
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
    const initIdOf = (s: Record<string, unknown>) => (s.init_object as { object_id?: string } | undefined)?.object_id;
    const ids = event.segments.flatMap((s) => [String(s.object_id), ...(initIdOf(s) === undefined ? [] : [initIdOf(s)!])]);
    const locations = await repo.objectLocations(this.db, [...new Set(ids)]);
    const segments = await Promise.all(
      event.segments.map(async (segment) => {
        const { get_urls: _urls, object_timerange: _range, init_object: _init, ...rest } = segment;
        const initId = initIdOf(segment);
        if (initId !== undefined) rest.init_object = await initObject(initId, locations.get(initId), urls);
        const where = locations.get(String(segment.object_id));
        // An object deleted since: the segment without URLs.
        if (!where) return rest;
        const shaped: Record<string, unknown> = { ...rest, get_urls: await urls.urls(locationOf(where)) };
        if (options.include_object_timerange) shaped.object_timerange = where.object_timerange;
        if (where.key_frame_count !== null && shaped.key_frame_count === undefined) shaped.key_frame_count = where.key_frame_count;
        return shaped;
      }),
    );
    return { ...event, segments };
  };
}

const locationOf = (row: repo.ObjectLocationRow): ObjectLocation => ({
  storeConfigId: Number(row.store_config_id),
  storeKey: row.store_key,
  contentType: row.content_type,
  copies: row.copies,
  uncontrolled: row.uncontrolled_urls,
});

/** A segment's `init_object` (flow-segment.json): its id and get_urls (none when the object has gone). */
async function initObject(id: string, where: repo.ObjectLocationRow | undefined, urls: GetUrlBuilder): Promise<{ object_id: string; get_urls?: GetUrl[] }> {
  return where ? { object_id: id, get_urls: await urls.urls(locationOf(where)) } : { object_id: id };
}

const formatNs = (v: string): string => formatTimestamp(BigInt(v));
