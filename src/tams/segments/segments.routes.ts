import { z } from 'zod';
import { defineRoute, reply, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { acceptedDeleteResponse, deleteReply } from '../deletion/delete-requests.routes.js';
import { FlowParams } from '../flows/flows.schemas.js';
import { DELETE, READ, WRITE } from '../http/access.js';
import { CountedPagingHeaders, pageReply } from '../http/paging.js';
import { BulkFailure, SegmentDeleteQuery, SegmentDoc, SegmentListQuerySchema, SegmentPostBody } from './segments.schemas.js';
import type { SegmentsService } from './segments.service.js';

const tags = ['TAMS Segments'];

export function segmentsRoutes(segments: SegmentsService, publicUrl: string): RouteDef[] {
  const path = '/flows/:flowId/segments';
  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'get', path, operationId: 'GET_flows-flowId-segments', head: 'HEAD_flows-flowId-segments', ...READ, tags,
      summary: "List a flow's segments in time order",
      description: 'Segments overlapping `timerange`, with `get_urls` (presigned, so no credentials are needed to fetch the bytes). A flow that does not exist has no segments (200 `[]`, as the spec says).',
      params: FlowParams, query: SegmentListQuerySchema,
      responses: {
        200: { description: 'A page of segments', schema: z.array(SegmentDoc), headers: CountedPagingHeaders.extend({ 'X-Paging-Timerange': z.string().meta({ description: "Hull of the page's segments; `()` when empty" }) }) },
        400: errorResponse('Invalid query'),
      },
      handler: async (ctx) => {
        const page = await segments.list(ctx.params.flowId, ctx.query);
        ctx.res.setHeader('X-Paging-Timerange', page.timerange);
        return pageReply(ctx, publicUrl, page, { reverse: ctx.query.reverse_order });
      },
    }),
    defineRoute({
      method: 'post', path, operationId: 'POST_flows-flowId-segments', ...WRITE, tags,
      summary: 'Register segments (one, or an array)',
      description:
        'Objects must have been allocated by `POST /flows/{flowId}/storage` for this flow, or be existing media records. A segment overlapping another ' +
        '(exact clusivity) is refused. With an array, what can be registered is, and the others are listed in `failed_segments` (200); 201 when all were registered.',
      params: FlowParams, body: SegmentPostBody,
      responses: {
        201: { description: 'Every segment registered' },
        200: { description: 'Some segments failed', schema: BulkFailure },
        400: errorResponse('Invalid body, a refused single segment, or the flow has no container'),
        403: errorResponse('Not allowed, or the flow is read-only'),
        404: errorResponse('No such flow'),
      },
      handler: async ({ params, body, principal }) => {
        const failed = await segments.register(principal.name, params.flowId, body);
        return failed.length ? reply(200, { failed_segments: failed }) : reply(201);
      },
    }),
    defineRoute({
      method: 'delete', path, operationId: 'DELETE_flows-flowId-segments', ...DELETE, tags,
      summary: 'Delete segments wholly inside a timerange',
      description:
        'Objects no segment references any more are deleted (bytes and media record) when TAMS created them (pid_type `tams_object`). ' +
        'More segments than `TAMS_INLINE_DELETE_LIMIT` are deleted in the background: 202 with the delete request and its `Location`.',
      params: FlowParams, query: SegmentDeleteQuery,
      responses: {
        202: acceptedDeleteResponse,
        204: { description: 'Deleted' },
        400: errorResponse('Invalid query'),
        403: errorResponse('Not allowed, or the flow is read-only'),
        404: errorResponse('No such flow'),
      },
      handler: async ({ params, query, principal, res }) => deleteReply(res, publicUrl, await segments.remove(principal.name, params.flowId, query)),
    }),
  ];
}
