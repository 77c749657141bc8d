import type { Response } from 'express';
import { z } from 'zod';
import { sendJsonArray } from '../http/json-stream.js';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { reads } from './access.js';
import { DumpQuery, MediaSearch } from './media-search.schemas.js';
import { MediaList } from './media.schemas.js';
import type { MediaPage, MediaSearchService } from './media-search.service.js';

const tags = ['Media'];
const NextKey = z.object({
  'X-Paging-NextKey': z.string().meta({ description: 'Cursor of the next page (absent on the last page)' }),
  Link: z.string().meta({ description: '`<url>; rel="next"` (GET only)' }),
});
const paging =
  'With `limit`, one page in pk order; when more follow, `X-Paging-NextKey` carries the cursor of the next page ' +
  '(and, for GET, `Link: <next page URL>; rel="next"`). Without `limit`, every match, streamed.';

/** A page as AMPLIfy's bare list, with the cursor of the next page in headers. */
function sendPage(res: Response, page: MediaPage, nextUrl?: (cursor: string) => string) {
  if (page.next) {
    res.setHeader('X-Paging-NextKey', page.next);
    if (nextUrl) res.setHeader('Link', `<${nextUrl(page.next)}>; rel="next"`);
  }
  return page.items;
}

export function mediaSearchRoutes(search: MediaSearchService): RouteDef[] {
  return [
    // method  path            operation      access  input → handler
    defineRoute({
      method: 'get', path: '/media/dump', operationId: 'listMedia', ...reads, tags,
      summary: 'List media records (all, or a page with ?limit&cursor)', description: paging, query: DumpQuery,
      responses: { 200: { description: 'Records in pk order', schema: MediaList, headers: NextKey } },
      handler: async ({ query, req, res }) => {
        if (query.limit === undefined) return sendJsonArray(res, search.all({}, query.cursor, ['query', 'cursor']));
        const page = await search.page({}, query.limit, query.cursor, ['query', 'cursor']);
        return sendPage(res, page, (cursor) => `${req.baseUrl}/media/dump?limit=${query.limit}&cursor=${cursor}`);
      },
    }),
    defineRoute({
      method: 'post', path: '/media/search', operationId: 'searchMedia', ...reads, tags,
      summary: 'Search media records by tags, pid, identifiers, status and metadata',
      description:
        'AMPLIfy sends `{"tags": [...]}` (records with any of the tags). Every other condition given must hold too: `tags_all`, ' +
        '`pid` and identifier values with `*`/`?` wildcards, `pid_type`, `store_status`, `store_config`, and metadata conditions ' +
        `(the value at a key path equals a JSON value, or the path exists). Indexed throughout. ${paging}`,
      body: MediaSearch,
      responses: { 200: { description: 'Matching records in pk order', schema: MediaList, headers: NextKey } },
      handler: async ({ body, res }) => {
        if (!body.limit) return sendJsonArray(res, search.all(body, body.cursor, ['body', 'cursor']));
        return sendPage(res, await search.page(body, body.limit, body.cursor, ['body', 'cursor']));
      },
    }),
  ];
}
