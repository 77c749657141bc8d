import { z } from 'zod';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { administers, reads } from './access.js';
import { changeBy } from './change.js';
import { ChangeHeaders, PkParams } from './common.schemas.js';
import { ConfigHistoryPage, HistoryQuery } from './history.schemas.js';
import type { HistoryService } from './history.service.js';
import { S3ConfigCreate, S3ConfigView } from './s3-configs.schemas.js';
import type { S3ConfigsService } from './s3-configs.service.js';

const tags = ['S3 configs'];
const S3ConfigList = z.array(S3ConfigView).meta({ id: 'S3ConfigList' });
const keysNote = 'The keys are encrypted at rest (AES-256-GCM with SECRETS_KEY) and never returned.';

export function s3ConfigsRoutes(s3: S3ConfigsService, history: HistoryService): RouteDef[] {
  return [
    // method  path                    operation    access       input → handler
    defineRoute({
      method: 'get', path: '/s3cfgs', operationId: 'listS3Configs', ...reads, tags,
      summary: 'List S3 configs (urls only)',
      responses: { 200: { description: 'Every S3 config', schema: S3ConfigList } },
      handler: () => s3.list(),
    }),
    defineRoute({
      method: 'post', path: '/s3cfg', operationId: 'createS3Config', ...administers, tags,
      summary: 'Register an S3 endpoint and its keys',
      description: `${keysNote} The same url with the same keys again returns the existing config; with other keys it is a 409 (use PUT).`,
      body: S3ConfigCreate, headers: ChangeHeaders,
      responses: { 200: { description: 'Created (or the same one existed)', schema: S3ConfigView }, 409: { description: 'The url is registered with other keys' } },
      handler: ({ body, principal, headers }) => s3.create(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'get', path: '/s3cfg/:pk', operationId: 'getS3Config', ...reads, tags,
      summary: 'Get an S3 config (url only)', params: PkParams,
      responses: { 200: { description: 'The config', schema: S3ConfigView }, 404: { description: 'No such config' } },
      handler: ({ params }) => s3.get(params.pk),
    }),
    defineRoute({
      method: 'put', path: '/s3cfg/:pk', operationId: 'updateS3Config', ...administers, tags,
      summary: 'Replace the url and keys of an S3 config', description: keysNote,
      params: PkParams, body: S3ConfigCreate, headers: ChangeHeaders,
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such config' }, 409: { description: 'Another config has that url' } },
      handler: ({ params, body, principal, headers }) => s3.update(changeBy(principal, headers), params.pk, body),
    }),
    defineRoute({
      method: 'delete', path: '/s3cfg/:pk', operationId: 'deleteS3Config', ...administers, tags,
      summary: 'Delete an S3 config no store config uses', params: PkParams, headers: ChangeHeaders,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such config' }, 409: { description: 'A store config uses it' } },
      handler: ({ params, principal, headers }) => s3.remove(changeBy(principal, headers), params.pk),
    }),
    defineRoute({
      method: 'get', path: '/s3cfg/:pk/history', operationId: 's3ConfigHistory', ...administers, tags,
      summary: 'Changes of an S3 config, newest first (never keys)', params: PkParams, query: HistoryQuery,
      responses: { 200: { description: 'A page of history', schema: ConfigHistoryPage }, 404: { description: 'Never existed' } },
      handler: ({ params, query }) => history.configHistory('s3_config', String(params.pk), query.cursor, query.limit),
    }),
  ];
}
