import { z } from 'zod';
import { defineRoute, reply, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { acceptedDeleteResponse, deleteReply } from '../deletion/delete-requests.routes.js';
import { DELETE, READ, WRITE } from '../http/access.js';
import { CountedPagingHeaders, pageReply } from '../http/paging.js';
import { propertyRoutes } from '../property-routes.js';
import type { FlowDoc, FlowMetadata } from './flow-document.js';
import { flowProperties } from './flow-properties.js';
import { FlowDocSchema, FlowGetQuery, FlowListQuerySchema, FlowParams, FlowPut } from './flows.schemas.js';
import type { FlowsService } from './flows.service.js';

const tags = ['TAMS Flows'];

export function flowsRoutes(flows: FlowsService, publicUrl: string): RouteDef[] {
  return [
    // method  path              operation            access  input → handler
    defineRoute({
      method: 'get', path: '/flows', operationId: 'GET_flows', head: 'HEAD_flows', ...READ, tags,
      summary: 'List flows', query: FlowListQuerySchema,
      responses: { 200: { description: 'A page of flows', schema: z.array(FlowDocSchema), headers: CountedPagingHeaders }, 400: errorResponse('Invalid query') },
      handler: async (ctx) => pageReply(ctx, publicUrl, await flows.list(ctx.query), { reverse: ctx.query.reverse_order }),
    }),
    defineRoute({
      method: 'get', path: '/flows/:flowId', operationId: 'GET_flows-flowId', head: 'HEAD_flows-flowId', ...READ, tags,
      summary: 'Get a flow', params: FlowParams, query: FlowGetQuery,
      responses: { 200: { description: 'The flow', schema: FlowDocSchema }, 400: errorResponse('Invalid query'), 404: errorResponse('No such flow') },
      handler: ({ params, query }) => flows.get(params.flowId, query),
    }),
    defineRoute({
      method: 'put', path: '/flows/:flowId', operationId: 'PUT_flows-flowId', ...WRITE, tags,
      summary: 'Create or replace a flow',
      description:
        'Creates the flow (201 with the stored flow), and its source when new, or replaces it (204). `tags`, `flow_collection` and the other ' +
        'optional members are replaced as a whole: left out means unset. Server-managed members (`created`, `metadata_updated`, ' +
        '`segments_updated`, `collected_by`, `timerange`, `created_by`, `updated_by`) are ignored. With a `profile_id` the profile ' +
        'supplies the technical metadata. A read-only flow accepts only a change of `read_only` (403 otherwise); a flow being deleted by a ' +
        'delete request accepts none (403).',
      params: FlowParams, body: FlowPut,
      responses: {
        201: { description: 'Created', schema: FlowDocSchema },
        204: { description: 'Replaced (or unchanged)' },
        400: errorResponse('Invalid flow, unknown profile, unregistered collection member, or a conflict with its source'),
        403: errorResponse('Not allowed, or the flow is read-only'),
      },
      handler: async ({ params, body, principal }) => {
        const { created } = await flows.put(principal.name, params.flowId, body);
        return created ? reply(201, created) : reply(204);
      },
    }),
    defineRoute({
      method: 'delete', path: '/flows/:flowId', operationId: 'DELETE_flows-flowId', ...DELETE, tags,
      summary: 'Delete a flow',
      description:
        'Deletes the flow with its segments, removes it from the collections listing it, and its source when no other flow names it (204). ' +
        'A flow with more segments than `TAMS_INLINE_DELETE_LIMIT` is deleted in the background: 202 with the delete request and its `Location`.',
      params: FlowParams,
      responses: {
        202: acceptedDeleteResponse,
        204: { description: 'Deleted' },
        403: errorResponse('Not allowed, or the flow is read-only'),
        404: errorResponse('No such flow'),
      },
      handler: async ({ params, principal, res }) => deleteReply(res, publicUrl, await flows.remove(principal.name, params.flowId)),
    }),
    ...propertyRoutes<FlowDoc, FlowMetadata>(
      { resource: 'flows', idParam: 'flowId', noun: 'flow', openapiTag: tags[0]!, get: (id) => flows.get(id), change: (actor, id, change) => flows.change(actor, id, change) },
      flowProperties,
    ),
  ];
}
