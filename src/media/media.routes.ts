import { defineRoute, type RouteDef } from '../http/routes.js';
import { deletes, reads, writes } from './access.js';
import { changeBy } from './change.js';
import { ChangeHeaders } from './common.schemas.js';
import type { MediaDeletion } from './deletion.js';
import { HistoryQuery, MediaHistoryPage } from './history.schemas.js';
import type { HistoryService } from './history.service.js';
import { MediaCreate, MediaQuery, MediaUpdate, MediaView, PidParams } from './media.schemas.js';
import type { MediaService } from './media.service.js';

const tags = ['Media'];
// `*pid`: the rest of the path, so pids may contain "/" (DOIs, ARKs).
const one = '/media/*pid';

export interface MediaRouteServices {
  media: MediaService;
  deletion: MediaDeletion;
  history: HistoryService;
}

/** Single-record endpoints; mounted after the bulk and listing ones, whose paths they would swallow. */
export function mediaRoutes({ media, deletion, history }: MediaRouteServices): RouteDef[] {
  return [
    // method  path                operation       access   input → handler
    defineRoute({
      method: 'post', path: '/media', operationId: 'createMedia', ...writes, tags,
      summary: 'Create a media record (PENDING until its bytes are stored)',
      description:
        '`pid` and `store_key` are generated (UUIDs) when absent. `pid_type` and every key of `identifiers` must be existing identifier types, ' +
        'and values must match their patterns; an identifier of the pid\'s own type is dropped when it equals the pid, refused otherwise. ' +
        '`store_config` is got or created. Answers 200 (not 201), as AMPLIfy does.',
      body: MediaCreate, headers: ChangeHeaders,
      responses: { 200: { description: 'The new record', schema: MediaView }, 409: { description: 'The pid (or given store key) is taken' } },
      handler: ({ body, principal, headers }) => media.create(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'get', path: `${one}/history`, operationId: 'mediaHistory', ...reads, tags,
      summary: 'Changes of a media record, newest first; also after deletion',
      description: 'Every change of every record that was ever called this pid (renames included): full snapshots, `+`/`~`/`-`, time, user and `X-Change-Reason`.',
      params: PidParams, query: HistoryQuery,
      responses: { 200: { description: 'A page of history; continue with `cursor=next_cursor`', schema: MediaHistoryPage }, 404: { description: 'No record ever had this pid' } },
      handler: ({ params, query }) => history.mediaHistory(params.pid, query.cursor, query.limit),
    }),
    defineRoute({
      method: 'get', path: one, operationId: 'getMedia', ...reads, tags,
      summary: 'Get a media record, now or as it was at `as_of`', params: PidParams, query: MediaQuery,
      responses: { 200: { description: 'The record', schema: MediaView }, 404: { description: 'No such record (at that time)' } },
      handler: ({ params, query }) => (query.as_of ? history.mediaAsOf(params.pid, new Date(query.as_of)) : media.get(params.pid)),
    }),
    defineRoute({
      method: 'patch', path: one, operationId: 'updateMedia', ...writes, tags,
      summary: 'Rename a record, change its pid_type, or move it to another store config',
      description: '`null` fields are left as they are. `store_config` is a store config pk or a store config to get or create; a READY record cannot move (409).',
      params: PidParams, body: MediaUpdate, headers: ChangeHeaders,
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such record' }, 409: { description: 'new_pid is taken, or the record cannot move' } },
      handler: async ({ params, body, principal, headers }) => {
        await media.patch(changeBy(principal, headers), params.pid, body);
      },
    }),
    defineRoute({
      method: 'delete', path: one, operationId: 'deleteMedia', ...deletes, tags,
      summary: 'Delete a media record and its stored bytes',
      description:
        'A READY record\'s bytes are deleted from its store first. If the store fails, the answer is 502 and the record is kept, ' +
        'marked for deletion (`deletion` in the record), and deleted in the background once the store deletes the bytes.',
      params: PidParams, headers: ChangeHeaders,
      responses: { 204: { description: 'Deleted, bytes included' }, 404: { description: 'No such record' }, 502: { description: 'The store failed; retried in the background' } },
      handler: ({ params, principal, headers }) => deletion.remove(changeBy(principal, headers), params.pid),
    }),
  ];
}
