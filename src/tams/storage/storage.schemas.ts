import { z } from 'zod';
import { MimeType, Uuid } from '../common.schemas.js';
import { sortedListingQuery } from '../http/paging.js';

/** flow-storage-post.json: `limit` or `object_ids`, never both; the body may be absent. */
export const StoragePost = z
  .object({
    limit: z.int().min(1).max(1000).optional().meta({ description: 'How many objects to allocate (default 1, at most 1000)' }),
    object_ids: z.array(z.string().min(1).max(1024)).min(1).max(1000).optional().meta({ description: 'Allocate objects with these ids (none may exist yet)' }),
    storage_id: Uuid.optional().meta({ description: 'The storage backend (default: the default one)' }),
    content_type: MimeType.optional().meta({ description: "The objects' content type when not the flow's container (init segments)" }),
    presigned: z.boolean().optional().meta({ description: 'Every put_url this store issues is presigned' }),
  })
  .refine((b) => b.limit === undefined || b.object_ids === undefined, { message: 'give limit or object_ids, not both', path: ['object_ids'] })
  .optional()
  .meta({ id: 'TamsStoragePost' });
export type StoragePost = z.output<typeof StoragePost>;

export const FlowStorage = z
  .object({
    media_objects: z.array(
      z.object({
        object_id: z.string(),
        put_url: z.object({ url: z.string(), 'content-type': z.string().optional(), headers: z.record(z.string(), z.string()).optional() }),
        presigned: z.boolean().optional(),
      }),
    ),
  })
  .meta({ id: 'TamsFlowStorage' });
export type FlowStorage = z.infer<typeof FlowStorage>;

export const StorageBackendDoc = z
  .object({
    id: Uuid,
    label: z.string(),
    store_type: z.literal('http_object_store'),
    provider: z.string(),
    store_product: z.string(),
    default_storage: z.boolean(),
  })
  .meta({ id: 'TamsStorageBackend' });

const { sort_by: _none, ...listing } = sortedListingQuery(['label'] as const, '');
export const StorageBackendsQuery = z.strictObject(listing);
