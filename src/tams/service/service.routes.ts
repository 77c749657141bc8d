import { defineRoute, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { ADMIN, READ } from '../http/access.js';
import { RootPaths, ServiceDoc, ServicePost } from './service.schemas.js';
import type { ServiceInfoService } from './service.service.js';

const tags = ['TAMS Service'];

/** `rootPaths`: the first path segments of every TAMS route (what GET / lists). */
export function serviceRoutes(service: ServiceInfoService, rootPaths: () => string[]): RouteDef[] {
  return [
    // method  path        operation         access  input → handler
    defineRoute({
      method: 'get', path: '/', operationId: 'GET_root', head: 'HEAD_root', ...READ, tags,
      summary: 'List root endpoints',
      responses: { 200: { description: 'The paths available under /tams', schema: RootPaths } },
      handler: () => rootPaths(),
    }),
    defineRoute({
      method: 'get', path: '/service', operationId: 'GET_service', head: 'HEAD_service', ...READ, tags,
      summary: 'Service information',
      responses: { 200: { description: 'This store', schema: ServiceDoc } },
      handler: () => service.get(),
    }),
    defineRoute({
      method: 'post', path: '/service', operationId: 'POST_service', ...ADMIN, tags,
      summary: 'Update the service name and description',
      description: 'Fields given are set, fields left out kept. Answers with the service document. Needs `tams-api/admin`.',
      body: ServicePost,
      responses: { 200: { description: 'Updated', schema: ServiceDoc }, 400: errorResponse('Invalid body') },
      handler: ({ body, principal }) => service.update(principal.name, body),
    }),
  ];
}
