import { z } from 'zod';
import type { QueryOutput } from '../../http/routes.js';
import { Uuid } from '../common.schemas.js';
import { PageQuery } from '../http/paging.js';
import { QueryBoolean } from '../http/query.js';
import { UrlQuery } from '../segments/get-urls.js';

export const ObjectParams = z.object({ objectId: z.string().min(1).max(1024) });

export const ObjectQuerySchema = z.strictObject({
  ...UrlQuery,
  'flow_tag.{name}': z.string().optional().meta({ description: 'Only list referencing flows whose tag {name} has this value' }),
  'flow_tag_exists.{name}': QueryBoolean.optional().meta({ description: 'Only list referencing flows with (true) or without (false) the tag {name}' }),
  ...PageQuery,
});
export type ObjectQuery = QueryOutput<typeof ObjectQuerySchema>;

/** object.json. */
export const ObjectDoc = z
  .object({
    id: z.string(),
    referenced_by_flows: z.array(Uuid).meta({ description: 'Paged by `limit` and `page`' }),
    first_referenced_by_flow: Uuid.optional(),
    timerange: z.string().optional(),
    key_frame_count: z.int().optional(),
    get_urls: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .meta({ id: 'TamsObject' });
export type ObjectDoc = z.infer<typeof ObjectDoc>;
