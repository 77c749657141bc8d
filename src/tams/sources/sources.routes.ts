import { z } from 'zod';
import { defineRoute, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { READ } from '../http/access.js';
import { CountedPagingHeaders, pageReply } from '../http/paging.js';
import { propertyRoutes, textProperties } from '../property-routes.js';
import type { SourceMetadata } from './source-document.js';
import { SourceDoc, SourceListQuerySchema, SourceParams } from './sources.schemas.js';
import type { SourcesService } from './sources.service.js';

const tags = ['TAMS Sources'];

export function sourcesRoutes(sources: SourcesService, publicUrl: string): RouteDef[] {
  return [
    // method  path                 operation           access  input → handler
    defineRoute({
      method: 'get', path: '/sources', operationId: 'GET_sources', head: 'HEAD_sources', ...READ, tags,
      summary: 'List sources', query: SourceListQuerySchema,
      responses: { 200: { description: 'A page of sources', schema: z.array(SourceDoc), headers: CountedPagingHeaders }, 400: errorResponse('Invalid query') },
      handler: async (ctx) => pageReply(ctx, publicUrl, await sources.list(ctx.query), { reverse: ctx.query.reverse_order }),
    }),
    defineRoute({
      method: 'get', path: '/sources/:sourceId', operationId: 'GET_sources-sourceId', head: 'HEAD_sources-sourceId', ...READ, tags,
      summary: 'Get a source', params: SourceParams,
      responses: { 200: { description: 'The source', schema: SourceDoc }, 404: errorResponse('No such source') },
      handler: ({ params }) => sources.get(params.sourceId),
    }),
    ...propertyRoutes<SourceDoc, SourceMetadata>(
      { resource: 'sources', idParam: 'sourceId', noun: 'source', openapiTag: tags[0]!, get: (id) => sources.get(id), change: (actor, id, change) => sources.change(actor, id, change) },
      textProperties(),
    ),
  ];
}
