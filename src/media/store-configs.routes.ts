import { z } from 'zod';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { deletes, reads, writes } from './access.js';
import { changeBy } from './change.js';
import { ChangeHeaders, PkParams } from './common.schemas.js';
import { ConfigHistoryPage, HistoryQuery } from './history.schemas.js';
import type { HistoryService } from './history.service.js';
import { StoreConfigCreate, StoreConfigView } from './store-configs.schemas.js';
import type { StoreConfigsService } from './store-configs.service.js';

const tags = ['Store configs'];
const StoreConfigList = z.array(StoreConfigView).meta({ id: 'StoreConfigList' });

export function storeConfigsRoutes(stores: StoreConfigsService, history: HistoryService): RouteDef[] {
  return [
    // method  path                   operation     access   input → handler
    defineRoute({
      method: 'get', path: '/stores', operationId: 'listStoreConfigs', ...reads, tags,
      summary: 'List store configs',
      responses: { 200: { description: 'Every store config', schema: StoreConfigList } },
      handler: () => stores.list(),
    }),
    defineRoute({
      method: 'post', path: '/store', operationId: 'createStoreConfig', ...writes, tags,
      summary: 'Get or create a store config',
      description:
        'The same store (type, bucket, S3 config) is always the same pk. `BucketStore` needs `s3_url` naming an existing S3 config ' +
        '(422 otherwise: create the S3 config first); `FilesystemStore` buckets are folders under FILESYSTEM_STORE_ROOT ' +
        '(`/demobucket` and `demobucket` are the same; `..` is refused); `DictStore` keeps bytes in memory (ephemeral, per process).',
      body: StoreConfigCreate, headers: ChangeHeaders,
      responses: { 200: { description: 'The store config, new or existing', schema: StoreConfigView } },
      handler: ({ body, principal, headers }) => stores.create(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'get', path: '/store/:pk', operationId: 'getStoreConfig', ...reads, tags,
      summary: 'Get a store config', params: PkParams,
      responses: { 200: { description: 'The store config', schema: StoreConfigView }, 404: { description: 'No such store config' } },
      handler: ({ params }) => stores.get(params.pk),
    }),
    defineRoute({
      method: 'delete', path: '/store/:pk', operationId: 'deleteStoreConfig', ...deletes, tags,
      summary: 'Delete a store config no media uses', params: PkParams, headers: ChangeHeaders,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such store config' }, 409: { description: 'Media use it' } },
      handler: ({ params, principal, headers }) => stores.remove(changeBy(principal, headers), params.pk),
    }),
    defineRoute({
      method: 'get', path: '/store/:pk/history', operationId: 'storeConfigHistory', ...reads, tags,
      summary: 'Changes of a store config, newest first', params: PkParams, query: HistoryQuery,
      responses: { 200: { description: 'A page of history', schema: ConfigHistoryPage }, 404: { description: 'Never existed' } },
      handler: ({ params, query }) => history.configHistory('store_config', String(params.pk), query.cursor, query.limit),
    }),
  ];
}
