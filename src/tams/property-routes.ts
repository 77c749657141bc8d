import { z, type ZodType } from 'zod';
import { notFound } from '../http/errors.js';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { errorResponse, type Tags, TagValue, Uuid } from './common.schemas.js';
import { DELETE, READ, WRITE } from './http/access.js';

/** What the property endpoints of a resource (`/sources/{id}/label`, `/flows/{id}/tags/{name}`...) work on. */
export interface PropertyTarget<Doc extends { tags: Tags }, M extends { tags: Tags }> {
  /** Path segment and operation id part: `flows`. */
  resource: string;
  /** Path parameter: `flowId`. */
  idParam: string;
  /** Singular, for messages: `flow`. */
  noun: string;
  openapiTag: string;
  get(id: string): Promise<Doc>;
  change(actor: string, id: string, change: (current: M) => M): Promise<void>;
}

/** One property endpoint: GET and HEAD, PUT, and DELETE when `remove` is given. */
export interface PropertyDef<Doc, M> {
  /** Path segment: `read_only`. */
  name: string;
  /** Operation id part as the spec spells it: `read-only`. */
  opName: string;
  schema: ZodType;
  /** The value, or undefined when unset (404). */
  read(doc: Doc): unknown;
  write(current: M, value: never): M;
  remove?(current: M): M;
}

/** label and description, shared by flows and sources. */
export function textProperties<Doc extends { label?: string; description?: string }, M extends { label?: string; description?: string }>(): PropertyDef<Doc, M>[] {
  return (['label', 'description'] as const).map((name) => ({
    name,
    opName: name,
    schema: z.string(),
    read: (doc) => doc[name],
    write: (current, value: string) => ({ ...current, [name]: value }),
    remove: (current) => {
      const { [name]: _gone, ...rest } = current;
      return rest as M;
    },
  }));
}

export function propertyRoutes<Doc extends { tags: Tags }, M extends { tags: Tags }>(target: PropertyTarget<Doc, M>, properties: PropertyDef<Doc, M>[]): RouteDef[] {
  const { resource, idParam, noun } = target;
  const base = `/${resource}/:${idParam}`;
  const op = (method: string, name: string) => `${method}_${resource}-${idParam}-${name}`;
  const params = z.object({ [idParam]: Uuid });
  const tagParams = z.object({ [idParam]: Uuid, name: z.string().min(1) });
  const tags = [target.openapiTag];
  const idOf = (p: Record<string, string>) => p[idParam]!;
  const hasTag = (doc: Doc, name: string) => Object.hasOwn(doc.tags, name);

  const routes: RouteDef[] = [
    defineRoute({
      method: 'get', path: `${base}/tags`, operationId: op('GET', 'tags'), head: op('HEAD', 'tags'), ...READ, tags,
      summary: `List the ${noun}'s tags`, params,
      responses: { 200: { description: 'The tags', schema: z.record(z.string(), TagValue) }, 404: errorResponse(`No such ${noun}`) },
      handler: async ({ params: p }) => (await target.get(idOf(p))).tags,
    }),
    defineRoute({
      method: 'get', path: `${base}/tags/:name`, operationId: op('GET', 'tags-name'), head: op('HEAD', 'tags-name'), ...READ, tags,
      summary: `Get one of the ${noun}'s tags`, params: tagParams,
      responses: { 200: { description: 'The tag value', schema: TagValue }, 404: errorResponse(`No such ${noun}, or no such tag`) },
      handler: async ({ params: p }) => {
        const doc = await target.get(idOf(p));
        if (!hasTag(doc, p.name!)) throw notFound(`${noun} ${idOf(p)} has no tag ${p.name}`);
        return doc.tags[p.name!];
      },
    }),
    defineRoute({
      method: 'put', path: `${base}/tags/:name`, operationId: op('PUT', 'tags-name'), ...WRITE, tags,
      summary: `Create or replace one of the ${noun}'s tags`, params: tagParams, body: TagValue,
      responses: { 204: { description: 'Set' }, 400: errorResponse('Not a string or list of strings'), 404: errorResponse(`No such ${noun}`) },
      handler: ({ params: p, body, principal }) => target.change(principal.name, idOf(p), (m) => ({ ...m, tags: { ...m.tags, [p.name!]: body } })),
    }),
    defineRoute({
      method: 'delete', path: `${base}/tags/:name`, operationId: op('DELETE', 'tags-name'), ...DELETE, tags,
      summary: `Delete one of the ${noun}'s tags`, params: tagParams,
      responses: { 204: { description: 'Deleted' }, 404: errorResponse(`No such ${noun}, or no such tag`) },
      handler: ({ params: p, principal }) =>
        target.change(principal.name, idOf(p), (m) => {
          if (!Object.hasOwn(m.tags, p.name!)) throw notFound(`${noun} ${idOf(p)} has no tag ${p.name}`);
          const { [p.name!]: _gone, ...rest } = m.tags;
          return { ...m, tags: rest };
        }),
    }),
  ];

  for (const property of properties) {
    const path = `${base}/${property.name}`;
    routes.push(
      defineRoute({
        method: 'get', path, operationId: op('GET', property.opName), head: op('HEAD', property.opName), ...READ, tags,
        summary: `Get the ${noun}'s ${property.name}`, params,
        responses: { 200: { description: `The ${property.name}`, schema: property.schema }, 404: errorResponse(`No such ${noun}, or ${property.name} not set`) },
        handler: async ({ params: p }) => {
          const value = property.read(await target.get(idOf(p)));
          if (value === undefined) throw notFound(`${noun} ${idOf(p)} has no ${property.name}`);
          return value;
        },
      }),
      defineRoute({
        method: 'put', path, operationId: op('PUT', property.opName), ...WRITE, tags,
        summary: `Set the ${noun}'s ${property.name}`, params, body: property.schema,
        responses: { 204: { description: 'Set' }, 400: errorResponse('Invalid value'), 403: errorResponse('Not allowed, or the flow is read-only'), 404: errorResponse(`No such ${noun}`) },
        handler: ({ params: p, body, principal }) => target.change(principal.name, idOf(p), (m) => property.write(m, body as never)),
      }),
    );
    const { remove } = property;
    if (remove) {
      routes.push(
        defineRoute({
          method: 'delete', path, operationId: op('DELETE', property.opName), ...DELETE, tags,
          summary: `Unset the ${noun}'s ${property.name}`, params,
          responses: { 204: { description: 'Unset (also when it was not set)' }, 403: errorResponse('Not allowed, or the flow is read-only'), 404: errorResponse(`No such ${noun}`) },
          handler: ({ params: p, principal }) => target.change(principal.name, idOf(p), remove),
        }),
      );
    }
  }
  return routes;
}
