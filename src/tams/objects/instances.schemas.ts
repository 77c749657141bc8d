import { z } from 'zod';
import { Uuid } from '../common.schemas.js';

/** Path of /objects/{objectId}/instances (ids may hold `/`, sent URL-encoded). */
export const InstanceParams = z.object({ objectId: z.string().min(1).max(1024) });

/**
 * objects-instances-post.json: one of a controlled instance (`storage_id`: copy the bytes there)
 * or an uncontrolled one (`url` and `label`). Both are closed, so a body with members of both
 * kinds (or a misspelt member) is a 400 rather than read as one kind.
 */
export const InstancePost = z
  .union([
    z.strictObject({ storage_id: Uuid.meta({ description: 'Copy the object into this storage backend' }) }),
    z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an absolute http or https URL' }).max(8192).meta({ description: 'Where a GET retrieves the object' }),
      label: z.string().min(1).max(256).meta({ description: "The instance's label; not a storage backend's" }),
    }),
  ])
  .meta({ id: 'TamsObjectInstancePost', description: 'A controlled instance (`storage_id`) or an uncontrolled one (`url` and `label`)' });
export type InstancePost = z.output<typeof InstancePost>;

/** DELETE: exactly one of `storage_id` or `label`. */
export const InstanceDeleteQuery = z
  .strictObject({
    storage_id: Uuid.optional().meta({ description: 'The storage backend of the controlled instance to delete' }),
    label: z.string().min(1).max(256).optional().meta({ description: 'The label of the instance to delete (a backend label names its controlled instance)' }),
  })
  .refine((q) => (q.storage_id === undefined) !== (q.label === undefined), { message: 'give storage_id or label (one of them)', path: ['storage_id'] });
export type InstanceDeleteQuery = z.output<typeof InstanceDeleteQuery>;
