import { z } from 'zod';
import { defineRoute, reply, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { FlowParams } from '../flows/flows.schemas.js';
import { READ, WRITE } from '../http/access.js';
import { CountedPagingHeaders, pageReply } from '../http/paging.js';
import type { TamsStorage } from './backends.js';
import { listBackends } from './backends-listing.js';
import { FlowStorage, StorageBackendDoc, StorageBackendsQuery, StoragePost } from './storage.schemas.js';
import type { StorageService } from './storage.service.js';

export function storageRoutes(storage: StorageService, backends: TamsStorage, publicUrl: string): RouteDef[] {
  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'post', path: '/flows/:flowId/storage', operationId: 'POST_flows-flowId-storage', ...WRITE, tags: ['TAMS Segments'],
      summary: 'Allocate objects for a flow, with presigned PUT URLs',
      description: 'Creates PENDING media records (pid_type `tams_object`); a PUT of the bytes to `put_url.url` with its `content-type` stores them.',
      params: FlowParams, body: StoragePost,
      responses: {
        201: { description: 'The allocated objects', schema: FlowStorage },
        400: errorResponse('Invalid body, an object id that exists, an unknown storage_id, or the flow has no container'),
        403: errorResponse('Not allowed, or the flow is read-only'),
        404: errorResponse('No such flow'),
      },
      handler: async ({ params, body, principal }) => reply(201, await storage.allocate(principal.name, params.flowId, body)),
    }),
    defineRoute({
      method: 'get', path: '/service/storage-backends', operationId: 'GET_storage-backends', head: 'HEAD_storage-backends', ...READ, tags: ['TAMS Service'],
      summary: 'List the storage backends', query: StorageBackendsQuery,
      responses: { 200: { description: 'The storage backends, by label', schema: z.array(StorageBackendDoc), headers: CountedPagingHeaders }, 400: errorResponse('Invalid query') },
      handler: async (ctx) => pageReply(ctx, publicUrl, listBackends(await backends.list(), ctx.query), { reverse: ctx.query.reverse_order }),
    }),
  ];
}
