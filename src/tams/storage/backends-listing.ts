import { sql } from 'drizzle-orm';
import { appliedLimit, decodePageKey, encodePageKey, type Page, type SortKey } from '../http/paging.js';
import type { StorageBackend } from './backends.js';

const order: SortKey = {
  name: 'label',
  parts: [
    { sql: sql`label`, cast: 'text' },
    { sql: sql`id`, cast: 'uuid' },
  ],
  descending: false,
};

type Doc = Omit<StorageBackend, 'pk'>;

/**
 * A page of backends (a handful of store configs, listed in memory): by label, then id, with
 * the spec's filters. Backends carry no tags, so `tag.{name}` and `tag_exists.{name}=true`
 * match none.
 */
export function listBackends(
  all: StorageBackend[],
  query: { reverse_order?: boolean | undefined; page?: string | undefined; limit?: number | undefined; 'tag.{name}': [string, string[]][]; 'tag_exists.{name}': [string, boolean][] },
): Page<Doc> {
  const reverse = query.reverse_order ?? false;
  const limit = appliedLimit(query.limit);
  const tagged = query['tag.{name}'].length > 0 || query['tag_exists.{name}'].some(([, exists]) => exists);
  const key = (b: StorageBackend) => `${b.label}\u0000${b.id}`;
  let sorted = tagged ? [] : [...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (reverse) sorted.reverse();
  if (query.page !== undefined) {
    const [label, id] = decodePageKey(order, reverse, query.page) as [string, string];
    const cursor = `${label}\u0000${id}`;
    sorted = sorted.filter((b) => (reverse ? key(b) < cursor : key(b) > cursor));
  }
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  const nextKey = sorted.length > limit && last ? encodePageKey(order, reverse, [last.label, last.id]) : undefined;
  return { items: items.map(({ pk: _pk, ...doc }) => doc), limit, nextKey };
}
