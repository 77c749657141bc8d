import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { badRequest, forbidden, notFound } from '../../http/errors.js';
import { segmentsRefusal } from '../deletion/delete-guard.js';
import { segmentsEvent } from '../events.js';
import { isValidTimerange, parseTimestamp, timerange, type TimeRange } from '../timerange.js';
import { type Candidate, checkInitObject, checkObject, type ObjectAfter, SegmentRefused, segmentError, toCandidate } from './segment-checks.js';
import * as repo from './segments.repo.js';
import { type FailedSegment, SegmentPost } from './segments.schemas.js';

/** One POST of segments, checked as far as it can be without the database. */
export interface Registration {
  actor: string;
  flowId: string;
  /** The body was one segment (not an array): a refusal is the request's 400. */
  single: boolean;
  /** Segments that passed those checks, in request order. */
  candidates: Candidate[];
  /** The failures found so far, by position in the request. */
  failed: Map<number, FailedSegment>;
  /** Labels of the storage backends (uncontrolled URLs may not take them); empty unless a segment has get_urls. */
  backendLabels: Set<string>;
}

/**
 * What became of a registration in a transaction: its failed segments (empty: all created), an
 * error that is the request's answer, or `locked` (its flow was held by another transaction
 * and `skipLocked` was asked: run it again on its own).
 */
export type Outcome = { failures: FailedSegment[] } | { error: Error } | { locked: true };

function failure(item: unknown, err: unknown): FailedSegment {
  const it = item as { object_id?: unknown; timerange?: unknown } | null;
  const objectId = typeof it?.object_id === 'string' ? it.object_id : '';
  // Echoed only when it is a timerange (failed_segments[].timerange must be one).
  const tr = isValidTimerange(it?.timerange) ? it.timerange : undefined;
  return { object_id: objectId, ...(tr !== undefined ? { timerange: tr } : {}), error: segmentError(err) };
}

/** Validates the body's segments and refuses those overlapping another of the same request. */
export function prepareRegistration(actor: string, flowId: string, body: unknown, backendLabels: Set<string>): Registration {
  const single = !Array.isArray(body);
  const items = single ? [body] : (body as unknown[]);
  const failed = new Map<number, FailedSegment>();
  const candidates: Candidate[] = [];
  items.forEach((item, i) => {
    const parsed = SegmentPost.safeParse(item);
    if (!parsed.success) return failed.set(i, failure(item, new SegmentRefused(z.prettifyError(parsed.error).replace(/\n/g, '; '))));
    try {
      candidates.push(toCandidate(i, parsed.data));
    } catch (err) {
      if (!(err instanceof SegmentRefused)) throw err;
      failed.set(i, failure(item, err));
    }
  });
  // Overlaps within the request: the earlier segment (in the request's order) wins. Sorted by
  // start, the accepted ones are disjoint and ordered, so only the last can overlap the next.
  const accepted: Candidate[] = [];
  for (const c of [...candidates].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : a.i - b.i))) {
    const last = accepted[accepted.length - 1];
    const clash = last && last.lo < c.hi && c.lo < last.hi ? last : undefined;
    if (clash && clash.i < c.i) failed.set(c.i, failure(items[c.i], new SegmentRefused(`timerange: ${c.post.timerange} overlaps segment ${clash.post.timerange} of the same request`)));
    else if (clash) {
      accepted[accepted.length - 1] = c;
      failed.set(clash.i, failure(items[clash.i], new SegmentRefused(`timerange: ${clash.post.timerange} overlaps segment ${c.post.timerange} of the same request`)));
    } else accepted.push(c);
  }
  accepted.sort((a, b) => a.i - b.i);
  return { actor, flowId, single, candidates: accepted, failed, backendLabels };
}

/** The half-open nanosecond span of the candidates (not empty). */
function span(candidates: Candidate[]): TimeRange {
  return timerange(candidates.reduce((lo, c) => (c.lo < lo ? c.lo : lo), candidates[0]!.lo), candidates.reduce((hi, c) => (c.hi > hi ? c.hi : hi), candidates[0]!.hi));
}

/** The segment without its undefined fields. */
export function compactSegment<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Registers several POSTs (of one flow or of several) in the transaction `tx`, each with the
 * outcome it would have had alone, in the order given: as if they had run one after the other,
 * the later ones seeing the segments and objects of the earlier ones. Three statements whatever
 * their number: two that lock and read (repo.lockForRegistration), one that writes
 * (repo.writeRegistration); one outbox event per POST that registered something.
 */
export async function registerInTransaction(tx: Db, registrations: Registration[], options: { skipLocked: boolean }): Promise<Outcome[]> {
  const probes: repo.OverlapProbe[] = [];
  const keyOf = new Map<Candidate, number>();
  for (const r of registrations) {
    for (const c of r.candidates) {
      keyOf.set(c, probes.length);
      probes.push({ key: probes.length, flowId: r.flowId, lo: c.lo, hi: c.hi });
    }
  }
  const state = await repo.lockForRegistration(tx, {
    flowIds: [...new Set(registrations.map((r) => r.flowId))],
    probes,
    objectIds: [...new Set(registrations.flatMap((r) => r.candidates.flatMap((c) => (c.post.init_object_id === undefined ? [c.post.object_id] : [c.post.object_id, c.post.init_object_id]))))],
    skipLocked: options.skipLocked,
  });
  const objects = new Map<string, ObjectAfter>();
  for (const [id, st] of state.objects) if (st.registered) objects.set(id, { ...st.registered, isNew: false, changedUrls: false });
  const firstFlowOf = new Map<string, string>();
  // Segments registered by earlier POSTs of this batch, per flow.
  const added = new Map<string, Candidate[]>();
  const writes: repo.RegistrationWrites = { objects: [], urls: [], segments: [], flowIds: [], events: [] };

  const outcomes = registrations.map((r): Outcome => {
    const flow = state.flows.get(r.flowId);
    if (!flow) return state.existing.has(r.flowId) ? { locked: true } : { error: notFound(`flow ${r.flowId} does not exist`) };
    if (flow.readOnly) return { error: forbidden(`flow ${r.flowId} is read-only; its segments cannot change`) };
    const container = flow.container;
    if (!container) return { error: badRequest(`flow ${r.flowId} has no container; set it before registering segments`) };
    if (r.candidates.length) {
      const refusal = segmentsRefusal(r.flowId, state.pending.get(r.flowId) ?? [], span(r.candidates));
      if (refusal) return { error: refusal };
    }
    const failed = new Map(r.failed);
    const earlier = added.get(r.flowId) ?? [];
    const inserted: Candidate[] = [];
    for (const c of r.candidates) {
      try {
        const existing = state.overlaps.get(keyOf.get(c)!) ?? earlier.find((e) => e.lo < c.hi && c.lo < e.hi)?.post.timerange;
        if (existing !== undefined) throw new SegmentRefused(`timerange: ${c.post.timerange} overlaps the flow's segment ${existing}`);
        const after = checkObject(c, { id: r.flowId, container }, state.objects.get(c.post.object_id), objects.get(c.post.object_id), r.backendLabels);
        const initId = c.post.init_object_id;
        const init = initId === undefined ? undefined : checkInitObject(initId, r.flowId, state.objects.get(initId), objects.get(initId));
        for (const [id, o] of [[c.post.object_id, after], [initId, init]] as const) {
          if (id === undefined || o === undefined) continue;
          if (o.isNew && !firstFlowOf.has(id)) firstFlowOf.set(id, r.flowId);
          objects.set(id, o);
        }
        inserted.push(c);
      } catch (err) {
        if (!(err instanceof SegmentRefused)) throw err;
        failed.set(c.i, failure(c.post, err));
      }
    }
    const failures = [...failed].sort(([a], [b]) => a - b).map(([, f]) => f);
    if (r.single && failures.length) return { error: badRequest(failures[0]!.error!.summary) };
    if (inserted.length) {
      added.set(r.flowId, [...earlier, ...inserted]);
      for (const c of inserted) {
        writes.segments.push({
          flowId: r.flowId,
          lo: c.lo,
          hi: c.hi,
          timerange: c.post.timerange,
          objectId: c.post.object_id,
          initObjectId: c.post.init_object_id,
          tsOffset: c.post.ts_offset === undefined ? undefined : c.tsOffset,
          lastDuration: c.post.last_duration === undefined ? undefined : parseTimestamp(c.post.last_duration),
          sampleOffset: c.post.sample_offset,
          sampleCount: c.post.sample_count,
        });
      }
      writes.flowIds.push(r.flowId);
      writes.events.push(
        segmentsEvent('segments_added', flow.filter, r.actor, {
          segments: inserted.map((c) =>
            compactSegment({ ...c.post, get_urls: undefined, init_object_id: undefined, init_object: c.post.init_object_id === undefined ? undefined : { object_id: c.post.init_object_id }, object_timerange: undefined }),
          ),
        }),
      );
    }
    return { failures };
  });

  for (const [id, o] of objects) {
    if (o.isNew) writes.objects.push({ id, firstFlowId: firstFlowOf.get(id)!, timerange: o.timerange, keyFrameCount: o.keyFrameCount, uncontrolled: o.uncontrolled, init: o.init });
    else if (o.changedUrls) writes.urls.push({ id, urls: o.uncontrolled });
  }
  if (writes.segments.length) await repo.writeRegistration(tx, { ...writes, flowIds: [...new Set(writes.flowIds)] });
  return outcomes;
}
