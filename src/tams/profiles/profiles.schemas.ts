import { z } from 'zod';
import type { QueryOutput } from '../../http/routes.js';
import { ContentFormat, IdParams, MimeType, Tags, Uuid } from '../common.schemas.js';
import { PageQuery } from '../http/paging.js';
import { ProfileTechnical } from '../technical.schemas.js';

/** profile.json as a request: `created` and `created_by` are the server's and ignored. */
export const ProfileBody = z
  .object({
    id: Uuid,
    label: z.string().optional(),
    description: z.string().optional(),
    tags: Tags.optional().meta({ description: 'About the profile itself; immutable like the rest of it' }),
    flow_metadata: ProfileTechnical,
  })
  .meta({ id: 'TamsProfileBody' });
export type ProfileBody = z.infer<typeof ProfileBody>;

export const ProfileDoc = ProfileBody.extend({ tags: Tags, created: z.iso.datetime(), created_by: z.string() }).meta({ id: 'TamsProfile' });
export type ProfileDoc = z.infer<typeof ProfileDoc>;

export const ProfileParams = IdParams('profileId');

export const ProfileListQuery = z.strictObject({
  format: ContentFormat.optional(),
  codec: MimeType.optional(),
  label: z.string().optional(),
  ...PageQuery,
});
export type ProfileListQuery = QueryOutput<typeof ProfileListQuery>;
