import { ApiError } from '../../http/errors.js';
import {
  contains,
  equals,
  formatTimerange,
  isBounded,
  isEmpty,
  parseTimerange,
  parseTimestamp,
  shift,
  type TimeRange,
  TimerangeError,
  toSqlBounds,
} from '../timerange.js';
import type { ObjectState } from './segments.repo.js';
import type { SegmentPost } from './segments.schemas.js';
import type { UncontrolledUrl } from './segments.tables.js';

/** A segment of a POST that passed the checks that need no database. */
export interface Candidate {
  /** Position in the request. */
  i: number;
  post: SegmentPost;
  range: TimeRange;
  lo: bigint;
  hi: bigint;
  tsOffset: bigint;
  /** `timerange − ts_offset`: where the segment lies in its object's timeline. */
  inObject: TimeRange;
  objectTimerange: TimeRange | undefined;
}

/** A segment refused; the request goes on with the others. */
export class SegmentRefused extends Error {}

const refuse = (message: string): never => {
  throw new SegmentRefused(message);
};

/** Parses a segment's ranges and offsets; throws SegmentRefused naming the problem. */
export function toCandidate(i: number, post: SegmentPost): Candidate {
  if (post.init_object_id !== undefined && post.init_object_id === post.object_id) refuse('init_object_id: a segment\'s init object cannot be its media object');
  let range: TimeRange;
  let objectTimerange: TimeRange | undefined;
  let tsOffset: bigint;
  try {
    range = parseTimerange(post.timerange);
    objectTimerange = post.object_timerange === undefined ? undefined : parseTimerange(post.object_timerange);
    tsOffset = post.ts_offset === undefined ? 0n : parseTimestamp(post.ts_offset);
  } catch (err) {
    if (err instanceof TimerangeError) return refuse(err.message);
    throw err;
  }
  if (isEmpty(range) || !isBounded(range)) refuse(`timerange: a segment's timerange must be bounded and not empty, got "${post.timerange}"`);
  let bounds;
  try {
    bounds = toSqlBounds(range)!;
  } catch (err) {
    if (err instanceof TimerangeError) return refuse(`timerange: ${err.message}`);
    throw err;
  }
  if (objectTimerange !== undefined && (isEmpty(objectTimerange) || !isBounded(objectTimerange))) {
    refuse(`object_timerange: must be bounded and not empty, got "${post.object_timerange}"`);
  }
  return { i, post, range, lo: bounds.lower!, hi: bounds.upper!, tsOffset, inObject: shift(range, -tsOffset), objectTimerange };
}

/** What the object will hold after this segment: its timerange and URLs (new or merged). */
export interface ObjectAfter {
  timerange: string;
  keyFrameCount: number | null;
  uncontrolled: UncontrolledUrl[];
  isNew: boolean;
  changedUrls: boolean;
  /** An init object (`init_object_id`), never a media object. */
  init: boolean;
}

/**
 * The spec's rules for the object of a segment: it must exist (allocated by /storage, or any
 * media record); a new object allocated for another flow is refused; the segment must lie in
 * the object's timerange (offset by ts_offset); its content type (when known) must be the
 * flow's container; object properties (`object_timerange`,
 * `key_frame_count`) may not change once registered; uncontrolled URLs need labels that no
 * storage backend and no other URL of the object use.
 */
export function checkObject(
  c: Candidate,
  flow: { id: string; container: string },
  state: ObjectState | undefined,
  current: ObjectAfter | undefined,
  backendLabels: Set<string>,
): ObjectAfter {
  const id = c.post.object_id;
  const flowId = flow.id;
  if (!state) return refuse(`object_id: object ${id} does not exist; allocate objects with POST /flows/${flowId}/storage`);
  if (state.deleteRequested) return refuse(`object_id: object ${id} is being deleted`);
  if (current?.init) refuse(`object_id: object ${id} is registered as an init object; init objects may not be media objects`);
  // Spec (flow-segment-post.json): the object's content-type MUST match the flow's container.
  if (state.contentType !== null && mimeType(state.contentType) !== mimeType(flow.container)) {
    refuse(`object_id: object ${id} has content type ${state.contentType}; flow ${flowId}'s container is ${flow.container}`);
  }
  let after: ObjectAfter;
  if (!current) {
    if (state.allocatedFor !== null && state.allocatedFor !== flowId) refuse(`object_id: object ${id} was allocated for flow ${state.allocatedFor}, not this one`);
    const objectRange = c.objectTimerange ?? c.inObject;
    after = { timerange: formatTimerange(objectRange), keyFrameCount: c.post.key_frame_count ?? null, uncontrolled: [], isNew: true, changedUrls: false, init: false };
  } else {
    if (c.objectTimerange !== undefined && !equals(c.objectTimerange, parseTimerange(current.timerange))) {
      refuse(`object_timerange: object ${id} has timerange ${current.timerange}; it cannot change`);
    }
    if (c.post.key_frame_count !== undefined && current.keyFrameCount !== null && c.post.key_frame_count !== current.keyFrameCount) {
      refuse(`key_frame_count: object ${id} has key_frame_count ${current.keyFrameCount}; it cannot change`);
    }
    after = { ...current, uncontrolled: [...current.uncontrolled], changedUrls: current.changedUrls };
  }
  if (!contains(parseTimerange(after.timerange), c.inObject)) {
    refuse(`timerange: ${c.post.timerange} offset by ts_offset (${formatTimerange(c.inObject)}) lies outside object ${id}'s timerange ${after.timerange}`);
  }
  for (const u of c.post.get_urls ?? []) {
    if (backendLabels.has(u.label)) refuse(`get_urls: label "${u.label}" is a storage backend's; uncontrolled URLs need their own labels`);
    const existing = after.uncontrolled.find((x) => x.label === u.label);
    if (existing && existing.url !== u.url) refuse(`get_urls: object ${id} already has a URL labelled "${u.label}"`);
    if (!existing) {
      after.uncontrolled.push({ url: u.url, label: u.label });
      after.changedUrls = true;
    }
  }
  return after;
}

/**
 * The rules for a segment's init object: it must exist (allocated by /storage for this flow, or
 * any media record), not be being deleted, and never be a media object (the spec's SHOULD, both
 * ways: the role is fixed when the object is first registered). Its content type may differ from
 * the flow's container (flow-segment-post.json: MAY). Many segments share one init object.
 */
export function checkInitObject(id: string, flowId: string, state: ObjectState | undefined, current: ObjectAfter | undefined): ObjectAfter {
  if (!state) return refuse(`init_object_id: object ${id} does not exist; allocate objects with POST /flows/${flowId}/storage`);
  if (state.deleteRequested) return refuse(`init_object_id: object ${id} is being deleted`);
  if (current && !current.init) return refuse(`init_object_id: object ${id} is registered as a media object; media objects may not be init objects`);
  if (current) return current;
  if (state.allocatedFor !== null && state.allocatedFor !== flowId) refuse(`init_object_id: object ${id} was allocated for flow ${state.allocatedFor}, not this one`);
  return { timerange: '()', keyFrameCount: null, uncontrolled: [], isNew: true, changedUrls: false, init: true };
}

/** The type/subtype of a media type, without parameters, lower case. */
const mimeType = (value: string): string => value.split(';')[0]!.trim().toLowerCase();

/** failed_segments[].error: the spec's error.json. */
export function segmentError(err: unknown): { type: string; summary: string; time: string } {
  const summary = err instanceof Error ? err.message : String(err);
  const type = err instanceof ApiError && err.status !== 400 ? 'Error' : 'BadRequest';
  return { type, summary, time: new Date().toISOString() };
}
