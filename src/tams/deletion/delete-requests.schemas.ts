import { z } from 'zod';
import { IdParams, Uuid } from '../common.schemas.js';
import { PageQuery } from '../http/paging.js';
import { QueryBoolean } from '../http/query.js';

/** error.json: why a request failed. */
const DeleteRequestError = z.object({ type: z.string(), summary: z.string(), time: z.iso.datetime() });

export const DeleteRequestDocSchema = z
  .object({
    id: Uuid,
    flow_id: Uuid,
    timerange_to_delete: z.string(),
    timerange_remaining: z.string(),
    delete_flow: z.boolean(),
    status: z.enum(['created', 'started', 'done', 'error']),
    created: z.iso.datetime(),
    created_by: z.string(),
    updated: z.iso.datetime(),
    expiry: z.iso.datetime().optional(),
    error: DeleteRequestError.optional(),
  })
  .meta({ id: 'TamsDeletionRequest', description: 'deletion-request.json: a deletion carried out in the background' });
export type DeleteRequestDoc = z.infer<typeof DeleteRequestDocSchema>;

export const DeleteRequestListQuery = z.strictObject({
  sort_by: z.enum(['created', 'expiry']).optional().meta({ description: '`created` (default) or `expiry`, most recent first; requests without an expiry (not finished) after the others' }),
  reverse_order: QueryBoolean.optional(),
  ...PageQuery,
});
export type DeleteRequestListQuery = z.infer<typeof DeleteRequestListQuery>;

export const DeleteRequestParams = IdParams('requestId');
