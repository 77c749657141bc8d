import type { Response } from 'express';
import { z } from 'zod';
import { defineRoute, reply, type Reply, type ResponseSpec, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { READ } from '../http/access.js';
import { CountedPagingHeaders, pageReply } from '../http/paging.js';
import { DeleteRequestDocSchema, type DeleteRequestDoc, DeleteRequestListQuery, DeleteRequestParams } from './delete-requests.schemas.js';
import type { DeleteRequestsService } from './delete-requests.service.js';

const tags = ['TAMS Flow Delete Requests'];

/** The 202 of DELETE /flows/{id} and DELETE /flows/{id}/segments. */
export const acceptedDeleteResponse: ResponseSpec = {
  description: 'Too many segments to delete within the request: the delete request carrying it out in the background; `Location` is its URL',
  schema: DeleteRequestDocSchema,
  headers: z.object({ Location: z.string().meta({ description: '`<PUBLIC_URL>/tams/flow-delete-requests/{id}`' }) }),
};

/** 204 when the deletion is done, 202 with the request and its `Location` when it continues in the background. */
export function deleteReply(res: Response, publicUrl: string, request: DeleteRequestDoc | undefined): Reply {
  if (!request) return reply(204);
  res.setHeader('Location', `${publicUrl}/tams/flow-delete-requests/${request.id}`);
  return reply(202, request);
}

export function deleteRequestsRoutes(requests: DeleteRequestsService, publicUrl: string): RouteDef[] {
  return [
    defineRoute({
      method: 'get', path: '/flow-delete-requests', operationId: 'GET_flow-delete-requests', head: 'HEAD_flow-delete-requests', ...READ, tags,
      summary: 'List flow delete requests',
      description: 'Requests being worked on, and finished ones until their `expiry`. Newest first by `created` (default) or `expiry`.',
      query: DeleteRequestListQuery,
      responses: { 200: { description: 'A page of delete requests', schema: z.array(DeleteRequestDocSchema), headers: CountedPagingHeaders }, 400: errorResponse('Invalid query') },
      handler: async (ctx) => pageReply(ctx, publicUrl, await requests.list(ctx.query), { reverse: ctx.query.reverse_order }),
    }),
    defineRoute({
      method: 'get', path: '/flow-delete-requests/:requestId', operationId: 'GET_flow-delete-requests-request-id', head: 'HEAD_flow-delete-requests-request-id', ...READ, tags,
      summary: 'Get a flow delete request', params: DeleteRequestParams,
      responses: { 200: { description: 'The delete request', schema: DeleteRequestDocSchema }, 400: errorResponse('Malformed id'), 404: errorResponse('No such delete request (or purged after its expiry)') },
      handler: ({ params }) => requests.get(params.requestId),
    }),
  ];
}
