import { defineRoute, type RouteDef } from '../http/routes.js';
import { administers, reads } from './access.js';
import { changeBy } from './change.js';
import { ChangeHeaders } from './common.schemas.js';
import { ConfigHistoryPage, HistoryQuery } from './history.schemas.js';
import type { HistoryService } from './history.service.js';
import { IdentifierType, IdentifierTypeBody, IdentifierTypeParams, IdentifierTypeRef } from './identifier-types.schemas.js';
import type { IdentifierTypesService } from './identifier-types.service.js';
import { z } from 'zod';

const tags = ['Identifier types'];
const IdentifierTypeList = z.array(IdentifierType).meta({ id: 'IdentifierTypeList' });

export function identifierTypesRoutes(types: IdentifierTypesService, history: HistoryService): RouteDef[] {
  return [
    // method  path                         operation   access        input → handler
    defineRoute({
      method: 'get', path: '/identifier/list', operationId: 'listIdentifierTypes', ...reads, tags,
      summary: 'List identifier types',
      responses: { 200: { description: 'Every identifier type, by name', schema: IdentifierTypeList } },
      handler: () => types.list(),
    }),
    defineRoute({
      method: 'get', path: '/identifier/:name', operationId: 'getIdentifierType', ...reads, tags,
      summary: 'Get an identifier type', params: IdentifierTypeParams,
      responses: { 200: { description: 'The type', schema: IdentifierType }, 404: { description: 'No such type' } },
      handler: ({ params }) => types.get(params.name),
    }),
    defineRoute({
      method: 'post', path: '/identifier', operationId: 'createIdentifierType', ...administers, tags,
      summary: 'Create an identifier type',
      description: '`pattern` is a regular expression (JavaScript syntax) that pids and identifier values of this type must match in full; empty accepts anything. It is checked when saved.',
      body: IdentifierTypeBody, headers: ChangeHeaders,
      responses: { 200: { description: 'Created', schema: IdentifierType }, 409: { description: 'The name is taken' } },
      handler: ({ body, principal, headers }) => types.create(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'put', path: '/identifier', operationId: 'updateIdentifierType', ...administers, tags,
      summary: 'Change the pattern of an identifier type',
      description: 'Refused (409) while a pid or identifier value of this type would not match the new pattern.',
      body: IdentifierTypeBody, headers: ChangeHeaders,
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such type' }, 409: { description: 'Values in use do not match' } },
      handler: ({ body, principal, headers }) => types.update(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'delete', path: '/identifier/:name', operationId: 'deleteIdentifierType', ...administers, tags,
      summary: 'Delete an identifier type that no media uses', params: IdentifierTypeParams, headers: ChangeHeaders,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such type' }, 409: { description: 'Media use it' } },
      handler: ({ params, principal, headers }) => types.remove(changeBy(principal, headers), params.name),
    }),
    defineRoute({
      method: 'delete', path: '/identifier', operationId: 'deleteIdentifierTypeByBody', ...administers, tags,
      summary: 'Delete an identifier type named in the body (AMPLIfy server form)', body: IdentifierTypeRef, headers: ChangeHeaders,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such type' }, 409: { description: 'Media use it' } },
      handler: ({ body, principal, headers }) => types.remove(changeBy(principal, headers), body.name),
    }),
    defineRoute({
      method: 'get', path: '/identifier/:name/history', operationId: 'identifierTypeHistory', ...reads, tags,
      summary: 'Changes of an identifier type, newest first', params: IdentifierTypeParams, query: HistoryQuery,
      responses: { 200: { description: 'A page of history', schema: ConfigHistoryPage }, 404: { description: 'Never existed' } },
      handler: ({ params, query }) => history.configHistory('identifier_type', params.name, query.cursor, query.limit),
    }),
  ];
}
