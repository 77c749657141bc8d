import cors from 'cors';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { clientsRoutes } from './auth/clients.routes.js';
import { oauth2ErrorHandler, oauth2Routes } from './auth/oauth2.routes.js';
import { usersRoutes } from './auth/users.routes.js';
import type { AppContext } from './context.js';
import { eventsRoutes } from './events/events.routes.js';
import { apiErrorHandler } from './http/error-handler.js';
import { notFound } from './http/errors.js';
import { requestLogger } from './http/logging.js';
import { mediaRouteTables } from './media/setup.js';
import { defineRoute, mountRoutes, type RouteDef } from './http/routes.js';
import { createRegistry, generateDocument, type OpenApiDocument } from './openapi/document.js';
import { documentView, documentViews } from './openapi/views.js';
import { signedUrlRoutes } from './stores/signed-url.routes.js';
import { tamsRouter, tamsRouteTables } from './tams/tams.router.js';
import { transferRouteTables } from './transfer/setup.js';
import { version } from './version.js';

const Hello = z.object({ msg: z.string() }).meta({ id: 'Hello' });

const helloRoutes: RouteDef[] = [
  defineRoute({
    method: 'get', path: '/hello', operationId: 'hello', access: 'public', tags: ['Service'],
    summary: 'Readiness probe of the AMPLIfy API: answers once the server accepts work',
    responses: { 200: { description: 'Hello', schema: Hello } },
    handler: () => ({ msg: 'Hello, world!' }),
  }),
];

/** Every /api route table, in mount order. */
export function apiRouteTables(ctx: AppContext): RouteDef[] {
  return [
    ...helloRoutes,
    ...usersRoutes(ctx.users, ctx.config),
    ...clientsRoutes(ctx.clients),
    ...eventsRoutes(ctx.events),
    ...signedUrlRoutes(ctx.stores),
    ...transferRouteTables(ctx.transfer),
    ...mediaRouteTables(ctx.media),
  ];
}

/**
 * Every route of every face with the base path it is mounted at: what the access-control
 * matrix and the fuzz tests enumerate, so routes added to any table are covered without
 * touching the tests.
 */
export function allRouteTables(ctx: AppContext): { basePath: string; routes: RouteDef[] }[] {
  return [
    { basePath: '/api', routes: apiRouteTables(ctx) },
    { basePath: '/oauth2', routes: oauth2Routes(ctx.clients) },
    { basePath: '/tams', routes: tamsRouteTables(ctx.tams, ctx.config.publicUrl) },
  ];
}

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  if (ctx.config.trustProxy !== undefined) app.set('trust proxy', ctx.config.trustProxy);
  app.use(requestLogger(ctx.logger));
  app.use(helmet({ crossOriginResourcePolicy: false }));
  // Closed unless CORS_ORIGINS lists origins.
  if (ctx.config.corsOrigins.length) {
    app.use(
      cors({
        origin: ctx.config.corsOrigins,
        exposedHeaders: ['Link', 'Location', 'X-Request-Id', 'X-Paging-NextKey', 'X-Paging-Limit', 'X-Paging-Count', 'X-Paging-Reverse-Order', 'X-Paging-Timerange'],
      }),
    );
  }

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      ctx.readiness.map(async (c) => {
        try {
          await c.check();
          checks[c.name] = 'ok';
        } catch {
          checks[c.name] = c.required ? 'down' : 'degraded';
          if (c.required) ready = false;
        }
      }),
    );
    const degraded = Object.values(checks).some((s) => s !== 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? (degraded ? 'degraded' : 'ok') : 'unavailable', checks });
  });

  const registry = createRegistry();
  const api = express.Router();
  mountRoutes(api, apiRouteTables(ctx), {
    basePath: '/api',
    registry,
    authenticate: ctx.authenticate,
    defaultBodyLimit: ctx.config.jsonBodyLimit,
  });

  const oauth = express.Router();
  mountRoutes(oauth, oauth2Routes(ctx.clients), {
    basePath: '/oauth2',
    registry,
    authenticate: ctx.authenticate,
    defaultBodyLimit: 64 * 1024,
  });
  oauth.use(oauth2ErrorHandler(ctx.logger));

  const tams = tamsRouter({ tams: ctx.tams, config: ctx.config, logger: ctx.logger, authenticate: ctx.authenticateTams, registry });

  if (ctx.config.openapiDocs) mountDocs(api, () => generateDocument(registry, version));
  api.use((req) => {
    throw notFound(`no such endpoint: ${req.method} ${req.baseUrl}${req.path}`);
  });
  api.use(apiErrorHandler(ctx.logger));

  app.use('/api', api);
  app.use('/oauth2', oauth);
  app.use('/tams', tams);
  app.use((req) => {
    throw notFound(`no such endpoint: ${req.method} ${req.path}`);
  });
  app.use(apiErrorHandler(ctx.logger));
  return app;
}

function mountDocs(api: Router, document: () => OpenApiDocument): void {
  let cached: OpenApiDocument | undefined;
  const getDocument = () => (cached ??= document());
  api.get('/openapi.json', (_req, res) => {
    res.json(getDocument());
  });
  for (const view of documentViews) {
    api.get(`/openapi/${view.name}.json`, (_req, res) => {
      res.json(documentView(getDocument(), view));
    });
  }
  // serveFiles writes swagger-ui-init.js, so it is the one that needs the swaggerOptions.
  const urls = documentViews.map((view) => ({ url: `/api/openapi/${view.name}.json`, name: view.title }));
  const options = {
    customSiteTitle: 'Mediastore API',
    explorer: true,
    swaggerOptions: { url: urls[0]!.url, urls, persistAuthorization: true, displayOperationId: true },
  };
  api.use('/docs', swaggerUi.serveFiles(undefined, options), swaggerUi.setup(undefined, options));
}
