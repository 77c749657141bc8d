import { defineRoute, reply, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { DELETE, READ, WRITE } from '../http/access.js';
import { PagingHeaders, pageReply } from '../http/paging.js';
import { ObjectDoc, ObjectParams, ObjectQuerySchema } from './objects.schemas.js';
import type { ObjectsService } from './objects.service.js';
import { InstanceDeleteQuery, InstanceParams, InstancePost } from './instances.schemas.js';
import type { InstancesService } from './instances.service.js';

export function objectsRoutes(objects: ObjectsService, instances: InstancesService, publicUrl: string): RouteDef[] {
  const tags = ['TAMS Objects'];
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
    defineRoute({
      method: 'post', path: '/objects/:objectId/instances', operationId: 'POST_objects-instances', ...WRITE, tags,
      summary: 'Register an object instance',
      description:
        'With `storage_id`: copies the bytes into that storage backend, checked against the checksums recorded when they were written, and lists the copy in `get_urls` ' +
        '(409 when the stored bytes do not match them: nothing is kept). With `url` and `label`: adds an uncontrolled URL (a label of a storage backend is refused; the same URL and label again changes nothing).',
      params: InstanceParams, body: InstancePost,
      responses: {
        201: { description: 'The instance is registered' },
        400: errorResponse('Invalid body, an unknown storage_id, a backend that has an instance already, a label in use, or no bytes to copy yet'),
        403: errorResponse('Not allowed'),
        404: errorResponse('No such object (or allocated and not registered yet)'),
        409: errorResponse('The stored bytes do not match the checksums recorded at ingest; nothing was copied'),
      },
      handler: async ({ params, body, principal }) => {
        await instances.add(principal.name, params.objectId, body);
        return reply(201);
      },
    }),
    defineRoute({
      method: 'delete', path: '/objects/:objectId/instances', operationId: 'DELETE_objects-instances', ...DELETE, tags,
      summary: 'Delete an object instance',
      description:
        'By `storage_id` or `label` (a storage backend\'s label names its controlled instance). A controlled copy\'s bytes are deleted. The last instance, and the last controlled one, are kept (400); ' +
        "deleting the backend holding the media record's bytes while a copy exists moves the record to the copy.",
      params: InstanceParams, query: InstanceDeleteQuery,
      responses: {
        204: { description: 'Deleted' },
        400: errorResponse('Invalid query, or the instance is the last (controlled) one'),
        403: errorResponse('Not allowed'),
        404: errorResponse('No such object, or it has no such instance'),
      },
      handler: async ({ params, query, principal }) => {
        await instances.remove(principal.name, params.objectId, query);
      },
    }),
  ];
}
