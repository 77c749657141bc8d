import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticate.js';
import { basicAuthRateLimit } from '../auth/login-rate-limit.js';
import type { Config } from '../config.js';
import { notFound } from '../http/errors.js';
import { mountRoutes, type RouteDef } from '../http/routes.js';
import { deleteRequestsRoutes } from './deletion/delete-requests.routes.js';
import { flowsRoutes } from './flows/flows.routes.js';
import { tamsErrorHandler } from './http/error-handler.js';
import { tamsReply } from './http/reply.js';
import { objectsRoutes } from './objects/objects.routes.js';
import { profilesRoutes } from './profiles/profiles.routes.js';
import { segmentsRoutes } from './segments/segments.routes.js';
import { serviceRoutes } from './service/service.routes.js';
import type { TamsCapability } from './setup.js';
import { sourcesRoutes } from './sources/sources.routes.js';
import { storageRoutes } from './storage/storage.routes.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';

/** Every TAMS route table, in mount order. */
export function tamsRouteTables(tams: TamsCapability, publicUrl: string): RouteDef[] {
  const routes: RouteDef[] = [];
  // GET / lists the first path segments of the operations below.
  const rootPaths = () => [...new Set(routes.map((r) => r.path.split('/')[1]).filter((p): p is string => !!p))];
  routes.push(
    ...serviceRoutes(tams.service, rootPaths),
    ...profilesRoutes(tams.profiles, publicUrl),
    ...sourcesRoutes(tams.sources, publicUrl),
    ...flowsRoutes(tams.flows, publicUrl),
    ...segmentsRoutes(tams.segments, publicUrl),
    ...storageRoutes(tams.storage, tams.backends, publicUrl),
    ...objectsRoutes(tams.objects, tams.instances, publicUrl),
    ...webhooksRoutes(tams.webhooks, publicUrl),
    ...deleteRequestsRoutes(tams.deleteRequests, publicUrl),
  );
  return routes;
}

/** The TAMS 8.2 face, mounted at /tams: same route tables and OpenAPI registry as /api, TAMS wire conventions. */
export function tamsRouter(deps: { tams: TamsCapability; config: Config; logger: Logger; authenticate: Authenticator; registry: OpenAPIRegistry }): Router {
  const { config } = deps;
  const router = express.Router();
  // Basic sends a password with every request: failed attempts are limited like logins.
  router.use(basicAuthRateLimit(config.loginRateLimit.max, config.loginRateLimit.windowSeconds));
  mountRoutes(router, tamsRouteTables(deps.tams, config.publicUrl), {
    basePath: '/tams',
    registry: deps.registry,
    authenticate: deps.authenticate,
    defaultBodyLimit: config.jsonBodyLimit,
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
    reply: tamsReply,
    jsonScalars: true,
    methodNotAllowed: true,
    invalidInputStatus: 400,
  });
  router.use((req) => {
    throw notFound(`no such endpoint: ${req.method} ${req.baseUrl}${req.path}`);
  });
  router.use(tamsErrorHandler(deps.logger));
  return router;
}
