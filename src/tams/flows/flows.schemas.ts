import { z } from 'zod';
import type { QueryOutput } from '../../http/routes.js';
import { ContentFormat, FORMATS, IdParams, MimeType, Tags, Uuid } from '../common.schemas.js';
import { sortedListingQuery } from '../http/paging.js';
import { QueryBoolean, QueryInteger, QueryTimerange, QueryUuidList } from '../http/query.js';
import { AudioTechnical, ContainerMapping, DataTechnical, ImageTechnical, MultiTechnical, TECHNICAL_FIELDS, VideoTechnical } from '../technical.schemas.js';

export const FlowStatus = z.enum(['awaiting_content', 'ingesting', 'replication_in_progress', 'closed_complete']);

/** flow-collection.json: ordered; members must be registered flows. */
export const FlowCollection = z
  .array(z.object({ id: Uuid, role: z.string().optional(), container_mapping: ContainerMapping.optional() }))
  .meta({ id: 'TamsFlowCollection' });

const NonNegativeInt = z.int().nonnegative();

/**
 * Members of flow-common.json a client sets. The server-managed ones (`created`,
 * `metadata_updated`, `segments_updated`, `collected_by`, `timerange`, `created_by`,
 * `updated_by`) are ignored when sent, as the spec allows or requires.
 */
const flowCommon = {
  id: Uuid,
  source_id: Uuid,
  label: z.string().optional(),
  description: z.string().optional(),
  tags: Tags.optional().meta({ description: 'Replaces every tag; absent means none' }),
  metadata_version: z.string().optional(),
  generation: NonNegativeInt.optional(),
  status: FlowStatus.optional(),
  read_only: z.boolean().optional(),
  max_bit_rate: NonNegativeInt.optional().meta({ description: 'kbit/s' }),
  flow_collection: FlowCollection.optional(),
};

const withProfile = z
  .undefined({ error: 'must not be given with a profile_id: the profile supplies the technical metadata' })
  // OpenAPI has no "absent" type: a schema nothing satisfies.
  .meta({ type: 'null', not: {}, description: 'Not allowed with a profile_id' })
  .optional();
const unlinked = z
  .literal('', { error: 'a profile_id cannot be combined with technical metadata; send only the profile_id, or "" to unlink the profile' })
  .optional();

const technicalPut = <T extends z.ZodRawShape>(technical: T) => z.object({ ...flowCommon, ...technical, profile_id: unlinked });

/** flow-put.json: common members plus either a profile_id or one format's technical metadata. */
export const FlowPut = z
  .discriminatedUnion(
    'format',
    [
      z.object({
        ...flowCommon,
        ...Object.fromEntries(TECHNICAL_FIELDS.map((k) => [k, withProfile])),
        profile_id: Uuid.meta({ description: 'Create the flow from this profile (format and technical metadata left out)' }),
      }),
      technicalPut(VideoTechnical),
      technicalPut(AudioTechnical),
      technicalPut(ImageTechnical),
      technicalPut(DataTechnical),
      technicalPut(MultiTechnical),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? `format must be one of ${Object.values(FORMATS).join(', ')}, or left out with a profile_id` : undefined) },
  )
  .meta({ id: 'TamsFlowPut' });
export type FlowPut = z.output<typeof FlowPut>;

const serverManaged = {
  profile_id: Uuid.optional(),
  collected_by: z.array(Uuid).optional(),
  created: z.iso.datetime(),
  created_by: z.string(),
  updated_by: z.string(),
  metadata_updated: z.iso.datetime(),
  metadata_version: z.string(),
  segments_updated: z.iso.datetime().optional(),
  timerange: z.string().optional().meta({ description: 'With include_timerange=true: the span of the segments' }),
  tags: Tags,
  read_only: z.boolean(),
};

const flowDoc = <T extends z.ZodRawShape>(technical: T) => z.object({ ...flowCommon, ...technical, ...serverManaged });

/** flow-get.json (documentation of responses). */
export const FlowDocSchema = z
  .discriminatedUnion('format', [flowDoc(VideoTechnical), flowDoc(AudioTechnical), flowDoc(ImageTechnical), flowDoc(DataTechnical), flowDoc(MultiTechnical)])
  .meta({ id: 'TamsFlow' });

export const FlowParams = IdParams('flowId');

export const FLOW_SORTS = ['created', 'metadata_updated', 'label'] as const;

export const FlowListQuerySchema = z.strictObject({
  source_id: Uuid.optional(),
  timerange: QueryTimerange.optional().meta({ description: 'Flows with content overlapping it; an empty range (`()`) selects flows without content' }),
  format: ContentFormat.optional(),
  codec: MimeType.optional(),
  profile_id: Uuid.optional(),
  label: z.string().optional().meta({ description: 'Only flows with exactly this label' }),
  status: FlowStatus.optional(),
  frame_width: QueryInteger.optional(),
  frame_height: QueryInteger.optional(),
  init_segments: QueryBoolean.optional(),
  collected_by_ids: QueryUuidList.optional().meta({ description: 'Flows collected by one of these flows; empty: flows collected by none' }),
  ...sortedListingQuery(FLOW_SORTS, '`created` (default) and `metadata_updated` newest first, `label` alphabetical (unlabelled last)'),
});
export type FlowListQuery = QueryOutput<typeof FlowListQuerySchema>;

export const FlowGetQuery = z.strictObject({
  include_timerange: QueryBoolean.optional().meta({ description: 'Include `timerange`, the span of the segments' }),
  timerange: QueryTimerange.optional().meta({ description: 'Limit `timerange` to the segments overlapping this range' }),
});
