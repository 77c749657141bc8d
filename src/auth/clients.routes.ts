import { defineRoute, type RouteDef } from '../http/routes.js';
import { ListQuery } from './users.schemas.js';
import {
  ClientList,
  ClientParams,
  ClientView,
  CreateClientBody,
  CreatedClient,
  UpdateClientBody,
} from './clients.schemas.js';
import type { ClientsService } from './clients.service.js';

const tags = ['API clients'];

export function clientsRoutes(clients: ClientsService): RouteDef[] {
  return [
    defineRoute({
      method: 'get', path: '/clients', operationId: 'listClients', access: 'admin', tags,
      summary: 'List OAuth2 API clients', query: ListQuery,
      responses: { 200: { description: 'Clients', schema: ClientList } },
      handler: ({ query }) => clients.list(query.cursor, query.limit),
    }),
    defineRoute({
      method: 'post', path: '/clients', operationId: 'createClient', access: 'admin', tags,
      summary: 'Create an OAuth2 client; the secret is shown once', body: CreateClientBody, status: 201,
      responses: { 201: { description: 'Created, with its secret', schema: CreatedClient }, 409: { description: 'client_id taken' } },
      handler: ({ body, principal }) => clients.create(principal.name, body),
    }),
    defineRoute({
      method: 'get', path: '/clients/:client_id', operationId: 'getClient', access: 'admin', tags,
      summary: 'Get an OAuth2 client', params: ClientParams,
      responses: { 200: { description: 'The client', schema: ClientView }, 404: { description: 'No such client' } },
      handler: ({ params }) => clients.get(params.client_id),
    }),
    defineRoute({
      method: 'patch', path: '/clients/:client_id', operationId: 'updateClient', access: 'admin', tags,
      summary: 'Change scopes, description or disabled flag', params: ClientParams, body: UpdateClientBody,
      responses: { 200: { description: 'The client', schema: ClientView }, 404: { description: 'No such client' } },
      handler: ({ params, body, principal }) => clients.update(principal.name, params.client_id, body),
    }),
    defineRoute({
      method: 'delete', path: '/clients/:client_id', operationId: 'deleteClient', access: 'admin', tags,
      summary: 'Delete an OAuth2 client', params: ClientParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such client' } },
      handler: ({ params, principal }) => clients.remove(principal.name, params.client_id),
    }),
  ];
}
