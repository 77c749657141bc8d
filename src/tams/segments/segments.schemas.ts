import { z } from 'zod';
import type { QueryOutput } from '../../http/routes.js';
import { Timestamp } from '../common.schemas.js';
import { PageQuery } from '../http/paging.js';
import { QueryBoolean, QueryTimerange } from '../http/query.js';
import { TIMERANGE_PATTERN } from '../timerange.js';
import { UrlQuery } from './get-urls.js';

const Timerange = z.string().regex(TIMERANGE_PATTERN, 'must be a timerange such as [0:0_10:0)');

/** flow-segment-post.json. `get_urls` here are uncontrolled URLs, each with its label. */
export const SegmentPost = z
  .object({
    object_id: z.string().min(1).max(1024),
    init_object_id: z.string().optional(),
    ts_offset: Timestamp.optional(),
    timerange: Timerange,
    object_timerange: Timerange.optional(),
    last_duration: Timestamp.refine((v) => !v.startsWith('-'), 'cannot be negative').optional(),
    sample_offset: z.int().optional(),
    sample_count: z.int().nonnegative().optional(),
    get_urls: z.array(z.object({ url: z.string().min(1), label: z.string().min(1) })).optional(),
    key_frame_count: z.int().nonnegative().optional(),
  })
  .meta({ id: 'TamsSegmentPost' });
export type SegmentPost = z.output<typeof SegmentPost>;

/**
 * One segment or an array. Array items are validated one by one so that a bad item is reported
 * in `failed_segments` instead of failing the whole request.
 */
export const SegmentPostBody = z
  .union([SegmentPost, z.array(z.unknown()).min(1, 'must hold at least one segment')])
  .meta({ description: 'A segment (flow-segment-post.json) or an array of them' });

const FailedSegment = z.object({
  object_id: z.string(),
  timerange: z.string().optional(),
  error: z.object({ type: z.string(), summary: z.string(), time: z.iso.datetime() }).optional(),
});
export const BulkFailure = z.object({ failed_segments: z.array(FailedSegment) }).meta({ id: 'TamsSegmentBulkFailure' });
export type FailedSegment = z.infer<typeof FailedSegment>;

/** flow-segment.json (responses). */
export const SegmentDoc = z
  .object({
    object_id: z.string(),
    timerange: z.string(),
    ts_offset: Timestamp.optional(),
    last_duration: Timestamp.optional(),
    object_timerange: z.string().optional(),
    sample_offset: z.int().optional(),
    sample_count: z.int().optional(),
    key_frame_count: z.int().optional(),
    init_object: z.object({ object_id: z.string(), get_urls: z.array(z.record(z.string(), z.unknown())).optional() }).optional(),
    get_urls: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .meta({ id: 'TamsSegment' });
export type SegmentDoc = z.infer<typeof SegmentDoc>;

export const SegmentListQuerySchema = z.strictObject({
  object_id: z.string().optional().meta({ description: 'Only segments of this object' }),
  timerange: QueryTimerange.optional().meta({ description: 'Only segments overlapping this range' }),
  reverse_order: QueryBoolean.optional(),
  include_object_timerange: QueryBoolean.optional(),
  ...UrlQuery,
  ...PageQuery,
});
export type SegmentListQuery = QueryOutput<typeof SegmentListQuerySchema>;

export const SegmentDeleteQuery = z.strictObject({
  timerange: QueryTimerange.optional().meta({ description: 'Delete the segments wholly inside it (default `_`: all)' }),
  object_id: z.string().optional().meta({ description: 'Only segments of this object' }),
});
