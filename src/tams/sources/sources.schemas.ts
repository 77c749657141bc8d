import { z } from 'zod';
import type { QueryOutput } from '../../http/routes.js';
import { ContentFormat, IdParams, Tags, Uuid } from '../common.schemas.js';
import { sortedListingQuery } from '../http/paging.js';
import { QueryUuidList } from '../http/query.js';

/** source.json */
export const SourceDoc = z
  .object({
    id: Uuid,
    format: ContentFormat,
    label: z.string().optional(),
    description: z.string().optional(),
    created_by: z.string(),
    updated_by: z.string(),
    created: z.iso.datetime(),
    updated: z.iso.datetime(),
    tags: Tags,
    source_collection: z.array(z.object({ id: Uuid, role: z.string().optional() })).optional(),
    collected_by: z.array(Uuid).optional(),
  })
  .meta({ id: 'TamsSource' });
export type SourceDoc = z.infer<typeof SourceDoc>;

export const SourceParams = IdParams('sourceId');

export const SOURCE_SORTS = ['created', 'updated', 'label'] as const;

export const SourceListQuerySchema = z.strictObject({
  label: z.string().optional().meta({ description: 'Only sources with exactly this label' }),
  format: ContentFormat.optional(),
  collected_by_ids: QueryUuidList.optional().meta({ description: 'Sources collected by one of these sources; empty: sources collected by none' }),
  ...sortedListingQuery(SOURCE_SORTS, '`created` (default) and `updated` newest first, `label` alphabetical (unlabelled last)'),
});
export type SourceListQuery = QueryOutput<typeof SourceListQuerySchema>;
