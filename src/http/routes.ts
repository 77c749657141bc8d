import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z, type ZodObject, type ZodType } from 'zod';
import type { Principal, Scope } from '../auth/principal.js';
import { forbidden, methodNotAllowed, unauthorized, unsupportedMediaType, ValidationError, type ValidationIssue } from './errors.js';
import { parseInput, toValidationIssues } from './validate.js';

/**
 * Route tables: every endpoint is declared as data (method, path, operation id, who may call
 * it, the zod schemas of its input and output, the handler), so one screen shows what an
 * endpoint accepts and who may call it, and the OpenAPI document is generated from the same
 * schemas that validate the requests.
 */

export type Access = 'public' | 'user' | 'admin';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';
type Infer<T> = T extends ZodType ? z.output<T> : undefined;

/**
 * A query key ending in `.{name}` declares a family of parameters (TAMS `tag.{name}`): every
 * `tag.<name>=<value>` of the request is validated with that key's schema, and the handler gets
 * the `[name, value]` pairs, in request order, under the template key.
 */
const TEMPLATE_SUFFIX = '.{name}';
type TemplateKey = `${string}.{name}`;
/** What a handler gets for a query schema. */
export type QueryOutput<Q> = Q extends ZodObject ? TemplatedOutput<z.output<Q>> : undefined;
type TemplatedOutput<T> = { [K in keyof T as K extends TemplateKey ? never : K]: T[K] } & {
  [K in keyof T as K extends TemplateKey ? K : never]-?: [name: string, value: NonNullable<T[K]>][];
};

/** A handler's answer whose status is chosen at run time (e.g. 201 with a body, or 204). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
  ) {}
}
export const reply = (status: number, body?: unknown) => new Reply(status, body);

/** Writes a handler's result (or an error body) on the wire; a mount may replace the default `res.json`. */
export type ReplyWriter = (res: Response, status: number, body?: unknown) => void;

const jsonReply: ReplyWriter = (res, status, body) => {
  if (body === undefined) res.status(status).end();
  else res.status(status).json(body);
};

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
  scopes?: readonly Scope[];
  body?: B;
  /** Accepted body encodings; JSON unless stated. */
  bodyTypes?: ('json' | 'form')[];
  /** Body size limit in bytes; the mount's default when absent. */
  bodyLimit?: number;
  /** The handler reads the raw request stream itself (uploads); documented with this content type. */
  rawBody?: { contentType: string; description: string };
  /** Strict or not as the schema says; keys ending in `.{name}` are parameter families (see TEMPLATE_SUFFIX). */
  query?: Q;
  params?: P;
  headers?: H;
  /** GET routes only: also answer HEAD (same status and headers, no body), documented under this operation id. */
  head?: string;
  /** Success status when the handler returns a value (or 204 when it returns nothing). */
  status?: number;
  responses: Record<number, ResponseSpec>;
  /** Extra middleware run after body parsing, before validation (e.g. rate limiting). */
  before?: express.RequestHandler[];
  /** Hide from the generated OpenAPI document (e.g. signed-URL endpoints used by machines). */
  hidden?: boolean;
  handler: (ctx: HandlerContext<A, Infer<B>, QueryOutput<Q>, Infer<P>, Infer<H>>) => unknown;
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
  /** OpenAPI security requirements of non-public routes (alternatives); bearer only by default. */
  security?: Record<string, string[]>[];
  /** How results are written; `res.json` by default. */
  reply?: ReplyWriter;
  /** Accept any JSON value as a body (TAMS PUTs a bare string or number), not only objects and arrays. */
  jsonScalars?: boolean;
  /** Answer 405 with `Allow` for a known path called with another method (instead of falling through to 404). */
  methodNotAllowed?: boolean;
  /** The status this face answers invalid input with, for the OpenAPI document (422 by default). */
  invalidInputStatus?: number;
}

export function mountRoutes(router: Router, routes: RouteDef[], options: MountOptions): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const handlers: express.RequestHandler[] = [authorize(route, options)];
    if (route.body && !route.rawBody) handlers.push(...bodyParsers(route, options));
    if (route.before) handlers.push(...route.before);
    handlers.push(runHandler(route, options.reply ?? jsonReply));
    if (route.head) router.head(route.path, ...handlers);
    router[route.method](route.path, ...handlers);
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.head) methods.add('HEAD');
    methodsByPath.set(route.path, methods);
    if (options.registry && !route.hidden) register(options.registry, options, route);
  }
  if (options.methodNotAllowed) {
    for (const [path, methods] of methodsByPath) {
      const allow = [...methods].join(', ');
      router.all(path, (req, _res, next) => {
        if (req.method === 'OPTIONS') return next();
        throw methodNotAllowed(`${req.method} is not allowed here; allowed: ${allow}`, allow);
      });
    }
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

function bodyParsers(route: RouteDef, options: MountOptions): express.RequestHandler[] {
  const types = route.bodyTypes ?? ['json'];
  const limit = route.bodyLimit ?? options.defaultBodyLimit;
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
  if (types.includes('json')) {
    parsers.push(express.json({ limit, type: ['application/json', '+json'], strict: !options.jsonScalars }));
  }
  if (types.includes('form')) parsers.push(express.urlencoded({ limit, extended: false }));
  return parsers;
}

function runHandler(route: RouteDef, write: ReplyWriter): express.RequestHandler {
  return async (req, res) => {
    const input = {
      params: route.params ? parseInput(route.params, req.params, 'path') : undefined,
      query: route.query ? parseQuery(route.query, req.query as Record<string, unknown>) : undefined,
      headers: route.headers ? parseInput(route.headers, req.headers, 'header') : undefined,
      body: route.body && !route.rawBody ? parseInput(route.body, req.body, 'body') : undefined,
    };
    const result = await route.handler({ ...input, principal: req.principal as Principal, req, res } as never);
    if (res.headersSent) return;
    if (result instanceof Reply) write(res, result.status, result.body);
    else if (result === undefined) write(res, route.status ?? 204);
    else write(res, route.status ?? 200, result);
  };
}

interface QueryTemplates {
  /** The schema without the template keys. */
  fixed: ZodObject;
  templates: { key: string; prefix: string; schema: ZodType }[];
}
const templateCache = new WeakMap<ZodObject, QueryTemplates>();

function queryTemplates(schema: ZodObject): QueryTemplates {
  let cached = templateCache.get(schema);
  if (!cached) {
    const keys = Object.keys(schema.shape).filter((k) => k.endsWith(TEMPLATE_SUFFIX));
    cached = {
      fixed: keys.length ? schema.omit(Object.fromEntries(keys.map((k) => [k, true])) as Record<string, true> & Record<number, never>) : schema,
      templates: keys.map((key) => ({ key, prefix: key.slice(0, -'{name}'.length), schema: schema.shape[key] as ZodType })),
    };
    templateCache.set(schema, cached);
  }
  return cached;
}

/**
 * Validates the query; parameter families (`tag.{name}`) are split off and validated one by
 * one. An unknown parameter (with a strict schema) is reported by name.
 */
function parseQuery(schema: ZodObject, raw: Record<string, unknown>): unknown {
  const { fixed, templates } = queryTemplates(schema);
  const rest: Record<string, unknown> = {};
  const families = new Map<string, [string, unknown][]>(templates.map((t) => [t.key, []]));
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const template = templates.find((t) => key.startsWith(t.prefix) && key.length > t.prefix.length);
    if (!template) {
      rest[key] = value;
      continue;
    }
    const parsed = template.schema.safeParse(value);
    if (parsed.success) families.get(template.key)!.push([key.slice(template.prefix.length), parsed.data]);
    else issues.push(...toValidationIssues(parsed.error, 'query').map((i) => ({ ...i, loc: ['query', key, ...i.loc.slice(1)] })));
  }
  const parsed = fixed.safeParse(rest);
  if (!parsed.success) {
    const known = Object.keys(schema.shape).join(', ');
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        issues.push(...issue.keys.map((key) => ({ loc: ['query', key], msg: `unknown parameter; this operation takes: ${known}`, type: issue.code })));
      } else {
        issues.push(...toValidationIssues(new z.ZodError([issue]), 'query'));
      }
    }
  }
  if (issues.length) throw new ValidationError(issues);
  return { ...(parsed.data as object), ...Object.fromEntries(families) };
}

const errorResponse = (description: string) => ({ description });

function register(registry: OpenAPIRegistry, options: MountOptions, route: RouteDef): void {
  // `:name` and `*name` (the rest of the path) are both one OpenAPI path parameter.
  const path = options.basePath + route.path.replace(/[:*](\w+)/g, '{$1}');
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
  const responses: Record<string, { description: string; headers?: ZodObject; content?: Record<string, { schema: ZodType }> }> = {};
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
  if (route.body || route.query || route.params) {
    responses[String(options.invalidInputStatus ?? 422)] ??= errorResponse('Invalid input; `detail` names each field');
  }
  const operation = {
    path,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    ...(route.access === 'public' ? {} : { security: options.security ?? [{ bearerAuth: [] }] }),
    request,
  };
  registry.registerPath({ ...operation, method: route.method, operationId: route.operationId, responses });
  if (route.head) {
    // The same answers without bodies.
    const headResponses = Object.fromEntries(
      Object.entries(responses).map(([status, r]) => [status, { description: r.description, ...(r.headers ? { headers: r.headers } : {}) }]),
    );
    registry.registerPath({ ...operation, method: 'head', operationId: route.head, summary: `${route.summary} (headers only)`, responses: headResponses });
  }
}
