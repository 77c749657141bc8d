import { defineRoute, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { READ } from '../http/access.js';
import { PagingHeaders, pageReply } from '../http/paging.js';
import { ObjectDoc, ObjectParams, ObjectQuerySchema } from './objects.schemas.js';
import type { ObjectsService } from './objects.service.js';

export function objectsRoutes(objects: ObjectsService, publicUrl: string): RouteDef[] {
  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'get', path: '/objects/:objectId', operationId: 'GET_objects', head: 'HEAD_objects', ...READ, tags: ['TAMS Objects'],
      summary: 'Get a media object',
      description: '`referenced_by_flows` is paged by `limit` and `page` (headers as for listings). 404 for objects allocated and not registered yet.',
      params: ObjectParams, query: ObjectQuerySchema,
      responses: { 200: { description: 'The object', schema: ObjectDoc, headers: PagingHeaders }, 400: errorResponse('Invalid query'), 404: errorResponse('No such object') },
      handler: async (ctx) => {
        const { doc, page } = await objects.get(ctx.params.objectId, ctx.query);
        pageReply(ctx, publicUrl, page, undefined);
        return doc;
      },
    }),
  ];
}
