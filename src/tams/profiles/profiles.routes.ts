import { z } from 'zod';
import { defineRoute, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { READ, WRITE } from '../http/access.js';
import { PagingHeaders, pageReply } from '../http/paging.js';
import { ProfileBody, ProfileDoc, ProfileListQuery, ProfileParams } from './profiles.schemas.js';
import type { ProfilesService } from './profiles.service.js';

const tags = ['TAMS Profiles'];

export function profilesRoutes(profiles: ProfilesService, publicUrl: string): RouteDef[] {
  return [
    // method  path                          operation               access  input → handler
    defineRoute({
      method: 'get', path: '/service/profiles', operationId: 'GET_profiles', head: 'HEAD_profiles', ...READ, tags,
      summary: 'List flow profiles', description: 'Oldest first.', query: ProfileListQuery,
      responses: { 200: { description: 'A page of profiles', schema: z.array(ProfileDoc), headers: PagingHeaders }, 400: errorResponse('Invalid query') },
      handler: async (ctx) => pageReply(ctx, publicUrl, await profiles.list(ctx.query), undefined),
    }),
    defineRoute({
      method: 'get', path: '/service/profiles/:profileId', operationId: 'GET_profiles-profileId', head: 'HEAD_profiles-profileId', ...READ, tags,
      summary: 'Get a flow profile', params: ProfileParams,
      responses: { 200: { description: 'The profile', schema: ProfileDoc }, 404: errorResponse('No such profile') },
      handler: ({ params }) => profiles.get(params.profileId),
    }),
    defineRoute({
      method: 'post', path: '/service/profiles/:profileId', operationId: 'POST_profiles-profileId', ...WRITE, tags,
      summary: 'Create a flow profile',
      description: 'Profiles are immutable: posting an id that exists is a 400, even with the same content.',
      params: ProfileParams, body: ProfileBody, status: 201,
      responses: { 201: { description: 'Created', schema: ProfileDoc }, 400: errorResponse('Invalid profile, or the profile exists') },
      handler: ({ params, body, principal }) => profiles.create(principal.name, params.profileId, body),
    }),
  ];
}
