import type { Test } from 'supertest';
import { allRouteTables } from '../../src/app.js';
import type { RouteDef } from '../../src/http/routes.js';
import type { TestApp } from '../helpers/app.js';

/** One callable operation: a route of a table, HEAD included where the route answers it. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';
  basePath: string;
  route: RouteDef;
  /** `METHOD /base/path` as declared, for test names. */
  name: string;
}

/** Every operation of every route table of the app: routes added to any table are included without editing a test. */
export function operations(t: TestApp): Operation[] {
  const ops: Operation[] = [];
  for (const { basePath, routes } of allRouteTables(t.ctx)) {
    for (const route of routes) {
      const methods = route.head ? [route.method, 'head' as const] : [route.method];
      for (const method of methods) ops.push({ method, basePath, route, name: `${method.toUpperCase()} ${basePath}${route.path}` });
    }
  }
  return ops;
}

/** The route's path with each `:param` and `*param` replaced by the value `value(name)` gives (URL-encoded). */
export function fillPath(op: Operation, value: (name: string) => string = () => 'x'): string {
  const filled = op.route.path.replace(/([:*])(\w+)/g, (_m, kind: string, name: string) =>
    kind === '*' ? value(name).split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value(name)),
  );
  return op.basePath + filled;
}

export function request(t: TestApp, op: Operation, path = fillPath(op)): Test {
  return t.http[op.method](path);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}
