import type { Logger } from 'pino';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { deletes, reads, writes } from './access.js';
import { changeBy } from './change.js';
import { ChangeHeaders } from './common.schemas.js';
import type { MediaDeletion } from './deletion.js';
import { applyEach } from './media-bulk.js';
import { BulkMediaUpdate, BulkResult, IdentifiersUpdate, MetadataUpdate, StoreKeysUpdate, TagsUpdate } from './media-bulk.schemas.js';
import { MediaCreate, MediaList, PidList } from './media.schemas.js';
import type { MediaService } from './media.service.js';

const tags = ['Media (bulk)'];
const bulkNote =
  'Each item is applied alone, in order, in its own transaction: one failing item never affects the others. ' +
  'A body that does not fit the schema is refused whole (422 naming the item and field).';
const bulkResponses = { 200: { description: '`successes` (pids) and `failures` (pid, error, msg)', schema: BulkResult } };

export function mediaBulkRoutes(media: MediaService, deletion: MediaDeletion, logger: Logger): RouteDef[] {
  const metadataRoute = (method: 'put' | 'patch' | 'delete', operationId: string, summary: string) =>
    defineRoute({
      method, path: '/media/update/metadata', operationId, ...writes, tags, summary,
      description: `\`keys\` is a path into the metadata object (empty: the whole object). ${bulkNote}`,
      body: MetadataUpdate, headers: ChangeHeaders, responses: bulkResponses,
      handler: ({ body, principal, headers }) =>
        applyEach(body, (i) => i.pid, (i) => media.updateMetadata(changeBy(principal, headers), i, method), logger),
    });
  const tagsRoute = (method: 'put' | 'patch', operationId: string, summary: string) =>
    defineRoute({
      method, path: '/media/update/tags', operationId, ...writes, tags, summary, description: bulkNote,
      body: TagsUpdate, headers: ChangeHeaders, responses: bulkResponses,
      handler: ({ body, principal, headers }) =>
        applyEach(body, (i) => i.pid, (i) => media.setTags(changeBy(principal, headers), i.pid, i.tags, method === 'put' ? 'set' : 'add'), logger),
    });

  return [
    // method  path                          operation             access   input → handler
    defineRoute({
      method: 'post', path: '/media/create', operationId: 'createMediaBulk', ...writes, tags,
      summary: 'Create many media records, all or none',
      description: 'The same rules as POST /api/media, in one transaction: if any item breaks a rule (422 naming each) or takes a used pid (409), nothing is created.',
      body: z.array(MediaCreate).max(10_000), headers: ChangeHeaders,
      responses: { 200: { description: 'The new records, in the order given', schema: MediaList }, 409: { description: 'A pid is taken' } },
      handler: ({ body, principal, headers }) => media.createMany(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'post', path: '/media/read', operationId: 'readMediaBulk', ...reads, tags,
      summary: 'Get the records with these pids (missing ones are left out)', body: PidList,
      responses: { 200: { description: 'The records found, in the order asked', schema: MediaList } },
      handler: ({ body }) => media.readMany(body),
    }),
    defineRoute({
      method: 'post', path: '/media/delete', operationId: 'deleteMediaBulk', ...deletes, tags,
      summary: 'Delete records and their stored bytes', description: bulkNote, body: PidList, headers: ChangeHeaders,
      responses: bulkResponses,
      handler: ({ body, principal, headers }) => applyEach(body, (pid) => pid, (pid) => deletion.remove(changeBy(principal, headers), pid), logger),
    }),
    defineRoute({
      method: 'patch', path: '/media/update', operationId: 'updateMediaBulk', ...writes, tags,
      summary: 'Apply MediaUpdate changes to many records',
      description: `\`pids[i]\` gets \`medias[i]\`, or every pid gets \`medias[0]\` when it is the only one. ${bulkNote}`,
      body: BulkMediaUpdate, headers: ChangeHeaders, responses: bulkResponses,
      handler: ({ body, principal, headers }) => {
        const change = changeBy(principal, headers);
        const pairs = body.pids.map((pid, i) => ({ pid, update: body.medias.length === 1 ? body.medias[0]! : body.medias[i]! }));
        return applyEach(pairs, (p) => p.pid, ({ pid, update }) => media.patch(change, pid, update), logger);
      },
    }),
    tagsRoute('patch', 'addMediaTags', 'Add tags to records'),
    tagsRoute('put', 'setMediaTags', 'Replace the tags of records'),
    defineRoute({
      method: 'put', path: '/media/update/storekeys', operationId: 'setMediaStoreKeys', ...writes, tags,
      summary: 'Change the store keys of PENDING records', description: bulkNote, body: StoreKeysUpdate, headers: ChangeHeaders,
      responses: bulkResponses,
      handler: ({ body, principal, headers }) =>
        applyEach(body, (i) => i.pid, (i) => media.setStoreKey(changeBy(principal, headers), i.pid, i.store_key), logger),
    }),
    defineRoute({
      method: 'put', path: '/media/update/identifiers', operationId: 'setMediaIdentifiers', ...writes, tags,
      summary: 'Replace the identifiers of records', description: bulkNote, body: IdentifiersUpdate, headers: ChangeHeaders,
      responses: bulkResponses,
      handler: ({ body, principal, headers }) =>
        applyEach(body, (i) => i.pid, (i) => media.setIdentifiers(changeBy(principal, headers), i.pid, i.identifiers), logger),
    }),
    metadataRoute('put', 'putMediaMetadata', 'Set the metadata value at a key path'),
    metadataRoute('patch', 'patchMediaMetadata', 'Merge an object into the metadata at a key path'),
    metadataRoute('delete', 'deleteMediaMetadata', 'Remove the metadata value at a key path'),
  ];
}
