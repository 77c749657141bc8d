import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z, ZodObject, ZodType } from 'zod';
import type { Principal, Scope } from '../auth/principal.js';
import { forbidden, unauthorized, unsupportedMediaType } from './errors.js';
import { parseInput } from './validate.js';

/**
 * Route tables: every endpoint is declared as data (method, path, operation id, who may call
 * it, the zod schemas of its input and output, the handler), so one screen shows what an
 * endpoint accepts and who may call it, and the OpenAPI document is generated from the same
 * schemas that validate the requests.
 */

export type Access = 'public' | 'user' | 'admin';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';
type Infer<T> = T extends ZodType ? z.output<T> : undefined;

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
  headers?: ZodObject;
}

export interface HandlerContext<A extends Access, B, Q, P, H> {
  body: B;
  query: Q;
  params: P;
  headers: H;
  /** The authenticated caller; may be undefined only on public routes. */
  principal: A extends 'public' ? Principal | undefined : Principal;
  req: Request;
  res: Response;
}

export interface RouteDef<
  A extends Access = Access,
  B extends ZodType | undefined = ZodType | undefined,
  Q extends ZodObject | undefined = ZodObject | undefined,
  P extends ZodObject | undefined = ZodObject | undefined,
  H extends ZodObject | undefined = ZodObject | undefined,
> {
  method: Method;
  /** Express path relative to the router, e.g. `/media/:pid`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  access: A;
  /** Scopes the caller must hold in addition to `access` (TAMS). */
  scopes?: Scope[];
  body?: B;
  /** Accepted body encodings; JSON unless stated. */
  bodyTypes?: ('json' | 'form')[];
  /** Body size limit in bytes; the mount's default when absent. */
  bodyLimit?: number;
  /** The handler reads the raw request stream itself (uploads); documented with this content type. */
  rawBody?: { contentType: string; description: string };
  query?: Q;
  params?: P;
  headers?: H;
  /** Success status when the handler returns a value (or 204 when it returns nothing). */
  status?: number;
  responses: Record<number, ResponseSpec>;
  /** Extra middleware run after body parsing, before validation (e.g. rate limiting). */
  before?: express.RequestHandler[];
  /** Hide from the generated OpenAPI document (e.g. signed-URL endpoints used by machines). */
  hidden?: boolean;
  handler: (ctx: HandlerContext<A, Infer<B>, Infer<Q>, Infer<P>, Infer<H>>) => unknown;
}

/** Identity function that gives a route definition its precise types. */
export function defineRoute<
  A extends Access,
  B extends ZodType | undefined = undefined,
  Q extends ZodObject | undefined = undefined,
  P extends ZodObject | undefined = undefined,
  H extends ZodObject | undefined = undefined,
>(def: RouteDef<A, B, Q, P, H>): RouteDef {
  return def as unknown as RouteDef;
}

export interface MountOptions {
  /** Where the router is mounted, e.g. `/api`; used for the OpenAPI paths. */
  basePath: string;
  registry?: OpenAPIRegistry;
  /** Resolves the caller from the request; undefined when no credentials were sent. */
  authenticate: (req: Request) => Promise<Principal | undefined>;
  defaultBodyLimit: number;
}

export function mountRoutes(router: Router, routes: RouteDef[], options: MountOptions): void {
  for (const route of routes) {
    const handlers: express.RequestHandler[] = [authorize(route, options)];
    if (route.body && !route.rawBody) handlers.push(...bodyParsers(route, options.defaultBodyLimit));
    if (route.before) handlers.push(...route.before);
    handlers.push(runHandler(route));
    router[route.method](route.path, ...handlers);
    if (options.registry && !route.hidden) register(options.registry, options.basePath, route);
  }
}

function authorize(route: RouteDef, options: MountOptions): express.RequestHandler {
  return async (req, _res, next) => {
    // Public routes ignore credentials: a stale token must not break login or the docs.
    if (route.access === 'public') return next();
    const principal = await options.authenticate(req);
    if (!principal) throw unauthorized();
    req.principal = principal;
    if (route.access === 'admin' && !principal.isAdmin) throw forbidden('administrator role required');
    const missing = (route.scopes ?? []).filter((s) => !principal.scopes.has(s));
    if (missing.length) throw forbidden(`missing scope: ${missing.join(' ')}`);
    next();
  };
}

function bodyParsers(route: RouteDef, defaultLimit: number): express.RequestHandler[] {
  const types = route.bodyTypes ?? ['json'];
  const limit = route.bodyLimit ?? defaultLimit;
  const parsers: express.RequestHandler[] = [
    (req: Request, _res: Response, next: NextFunction) => {
      const contentType = req.headers['content-type'];
      const accepted =
        (types.includes('json') && req.is(['application/json', '+json'])) ||
        (types.includes('form') && req.is('application/x-www-form-urlencoded'));
      // No body at all is left to schema validation, which names the missing fields.
      if (contentType && !accepted) {
        const wanted = types.map((t) => (t === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'));
        throw unsupportedMediaType(`Content-Type must be ${wanted.join(' or ')}, got ${contentType}`);
      }
      next();
    },
  ];
  if (types.includes('json')) parsers.push(express.json({ limit, type: ['application/json', '+json'] }));
  if (types.includes('form')) parsers.push(express.urlencoded({ limit, extended: false }));
  return parsers;
}

function runHandler(route: RouteDef): express.RequestHandler {
  return async (req, res) => {
    const input = {
      params: route.params ? parseInput(route.params, req.params, 'path') : undefined,
      query: route.query ? parseInput(route.query, req.query, 'query') : undefined,
      headers: route.headers ? parseInput(route.headers, req.headers, 'header') : undefined,
      body: route.body && !route.rawBody ? parseInput(route.body, req.body, 'body') : undefined,
    };
    const result = await route.handler({ ...input, principal: req.principal as Principal, req, res } as never);
    if (res.headersSent) return;
    if (result === undefined) res.status(route.status ?? 204).end();
    else res.status(route.status ?? 200).json(result);
  };
}

const errorResponse = (description: string) => ({ description });

function register(registry: OpenAPIRegistry, basePath: string, route: RouteDef): void {
  const path = basePath + route.path.replace(/[:*](\w+)/g, '{$1}');
  const request: RouteConfig['request'] = {};
  if (route.params) request.params = route.params;
  if (route.query) request.query = route.query;
  if (route.headers) request.headers = route.headers;
  if (route.rawBody) {
    request.body = {
      description: route.rawBody.description,
      content: { [route.rawBody.contentType]: { schema: { type: 'string', format: 'binary' } } },
    };
  } else if (route.body) {
    const content: Record<string, { schema: ZodType }> = {};
    for (const t of route.bodyTypes ?? ['json']) {
      content[t === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'] = { schema: route.body };
    }
    request.body = { content, required: true };
  }
  const responses: RouteConfig['responses'] = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = {
      description: spec.description,
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.schema ? { content: { [spec.contentType ?? 'application/json']: { schema: spec.schema } } } : {}),
    };
  }
  if (route.access !== 'public') {
    responses['401'] ??= errorResponse('Missing, invalid or expired token');
    if (route.access === 'admin' || route.scopes?.length) responses['403'] ??= errorResponse('Not allowed for this caller');
  }
  if (route.body || route.query || route.params) responses['422'] ??= errorResponse('Invalid input; `detail` names each field');
  registry.registerPath({
    method: route.method,
    path,
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    ...(route.access === 'public' ? {} : { security: [{ bearerAuth: [] }] }),
    request,
    responses,
  });
}
