import type { Request, Response } from 'express';
import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { badRequest } from '../../http/errors.js';
import { QueryBoolean, QueryInteger, TagQuery } from './query.js';

/**
 * Listings: a server default and maximum `limit`, opaque `page` keys that are keyset cursors
 * (the sort key of the last item, never an offset, so pages stay consistent while rows are
 * added or removed), and the spec's paging headers.
 */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export const PageQuery = {
  page: z
    .string()
    .max(16_384)
    .optional()
    .meta({ description: 'Opaque key of the next page, from `X-Paging-NextKey` or the `Link` header' }),
  limit: QueryInteger.pipe(z.number().int().min(1, 'must be at least 1'))
    .optional()
    .meta({ description: `Items per page; default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT} (larger values are lowered)` }),
};

/** `sort_by` (first of `sorts` by default), `reverse_order`, tag filters and paging: what the sorted TAMS listings share. */
export function sortedListingQuery<S extends readonly [string, ...string[]]>(sorts: S, sortDescription: string) {
  return {
    sort_by: z.enum(sorts).optional().meta({ description: sortDescription }),
    reverse_order: QueryBoolean.optional(),
    ...TagQuery,
    ...PageQuery,
  };
}

export const appliedLimit = (limit: number | undefined) => Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT);

/** One column of a sort key, with the SQL type its cursor value is cast to. */
export interface SortKeyPart {
  sql: SQL;
  cast: 'timestamptz' | 'uuid' | 'text' | 'int4' | 'int8';
}

/** A listing order: the key columns (unique together, the last is the id) and their natural direction. */
export interface SortKey {
  name: string;
  parts: SortKeyPart[];
  /** Most recent first for dates, alphabetical for labels. */
  descending: boolean;
}

export interface SortOrder<Row> extends SortKey {
  keyOf(row: Row): (string | number)[];
}

/** By a date-time, newest first (unless `descending` is false), ties by id. */
export function dateOrder<Row>(name: string, column: AnyPgColumn, id: AnyPgColumn, keyOf: (row: Row) => [Date, string], descending = true): SortOrder<Row> {
  return {
    name,
    parts: [
      { sql: sql`${column}`, cast: 'timestamptz' },
      { sql: sql`${id}`, cast: 'uuid' },
    ],
    descending,
    keyOf: (row) => {
      const [date, rowId] = keyOf(row);
      return [date.toISOString(), rowId];
    },
  };
}

/** Alphabetical by label; unlabelled resources after the labelled ones, by id (the spec's fallback). */
export function labelOrder<Row>(label: AnyPgColumn, id: AnyPgColumn, keyOf: (row: Row) => [string | null, string]): SortOrder<Row> {
  return {
    name: 'label',
    parts: [
      { sql: sql`(${label} is null)::int`, cast: 'int4' },
      { sql: sql`coalesce(${label}, '')`, cast: 'text' },
      { sql: sql`${id}`, cast: 'uuid' },
    ],
    descending: false,
    keyOf: (row) => {
      const [value, rowId] = keyOf(row);
      return [value === null ? 1 : 0, value ?? '', rowId];
    },
  };
}

type KeyValue = string | number;

const keyValueSchemas: Record<SortKeyPart['cast'], z.ZodType> = {
  timestamptz: z.iso.datetime(),
  uuid: z.uuid(),
  text: z.string(),
  int4: z.number().int(),
  // int8 values travel as decimal strings (nanoseconds exceed 2^53).
  int8: z.string().regex(/^-?(0|[1-9][0-9]{0,18})$/),
};

/** Rows after the cursor, in the listing direction. */
export function afterCursor(order: SortKey, key: KeyValue[], reverse: boolean): SQL {
  const left = sql.join(
    order.parts.map((p) => p.sql),
    sql`, `,
  );
  const right = sql.join(
    order.parts.map((p, i) => sql`${key[i]}::${sql.raw(p.cast)}`),
    sql`, `,
  );
  return order.descending !== reverse ? sql`(${left}) < (${right})` : sql`(${left}) > (${right})`;
}

export function orderClauses(order: SortKey, reverse: boolean): SQL[] {
  const direction = order.descending !== reverse ? sql`desc` : sql`asc`;
  return order.parts.map((p) => sql`${p.sql} ${direction}`);
}

/** The page key names the order it belongs to, so a key used with another `sort_by` or `reverse_order` is refused. */
export function encodePageKey(order: SortKey, reverse: boolean, key: KeyValue[]): string {
  return Buffer.from(JSON.stringify([order.name, reverse, ...key]), 'utf8').toString('base64url');
}

export function decodePageKey(order: SortKey, reverse: boolean, page: string): KeyValue[] {
  const invalid = () => badRequest(`page: "${page.slice(0, 64)}" is not a page key of this listing (sort_by and reverse_order must stay the same)`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(page, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded[0] !== order.name || decoded[1] !== reverse) throw invalid();
  const key = decoded.slice(2) as unknown[];
  if (key.length !== order.parts.length || !order.parts.every((p, i) => keyValueSchemas[p.cast].safeParse(key[i]).success)) {
    throw invalid();
  }
  return key as KeyValue[];
}

export interface Page<Row> {
  items: Row[];
  limit: number;
  nextKey: string | undefined;
}

/**
 * Runs a keyset query for one page: `fetch(where, orderBy, limit + 1)`; the extra row only tells
 * whether a next page exists.
 */
export async function fetchPage<Row>(
  order: SortOrder<Row>,
  query: { page?: string | undefined; limit?: number | undefined; reverse?: boolean },
  fetch: (after: SQL | undefined, orderBy: SQL[], limit: number) => Promise<Row[]>,
): Promise<Page<Row>> {
  const reverse = query.reverse ?? false;
  const limit = appliedLimit(query.limit);
  const after = query.page === undefined ? undefined : afterCursor(order, decodePageKey(order, reverse, query.page), reverse);
  const rows = await fetch(after, orderClauses(order, reverse), limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextKey = rows.length > limit && last ? encodePageKey(order, reverse, order.keyOf(last)) : undefined;
  return { items, limit, nextKey };
}

/**
 * A listing's answer: the page's items, with the spec's paging headers. Every listing sends
 * `Link` (only `rel="next"`, to this URL with `page` replaced, the other parameters kept),
 * `X-Paging-Limit` and `X-Paging-NextKey`; most also `X-Paging-Count` and
 * `X-Paging-Reverse-Order` (`counted`; not profiles or objects).
 */
export function pageReply<T>(
  ctx: { req: Request; res: Response },
  publicUrl: string,
  page: Page<T>,
  counted: { reverse?: boolean | undefined } | undefined,
): T[] {
  setPagingHeaders(ctx.req, ctx.res, publicUrl, page, counted);
  return page.items;
}

function setPagingHeaders(req: Request, res: Response, publicUrl: string, page: Page<unknown>, extra: { reverse?: boolean | undefined } | undefined): void {
  res.setHeader('X-Paging-Limit', String(page.limit));
  if (extra) {
    res.setHeader('X-Paging-Count', String(page.items.length));
    res.setHeader('X-Paging-Reverse-Order', String(extra.reverse ?? false));
  }
  if (page.nextKey === undefined) return;
  res.setHeader('X-Paging-NextKey', page.nextKey);
  const url = new URL(req.originalUrl, 'http://placeholder');
  url.searchParams.set('page', page.nextKey);
  res.setHeader('Link', `<${publicUrl}${url.pathname}${url.search}>; rel="next"`);
}

/** OpenAPI description of the paging headers. */
export const PagingHeaders = z.object({
  Link: z.string().optional().meta({ description: '`<url>; rel="next"` when there is a next page' }),
  'X-Paging-Limit': z.string().meta({ description: 'The limit applied (lowered to the maximum if more was asked)' }),
  'X-Paging-NextKey': z.string().optional().meta({ description: 'Pass as `page` for the next page; absent on the last page' }),
});
export const CountedPagingHeaders = PagingHeaders.extend({
  'X-Paging-Count': z.string().meta({ description: 'Items in this response' }),
  'X-Paging-Reverse-Order': z.string().meta({ description: '`true` when the order is reversed' }),
});
