import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { notFound } from '../../http/errors.js';
import { tamsFlows } from '../flows/flows.tables.js';
import { fetchPage, type Page, type SortOrder } from '../http/paging.js';
import { GetUrlBuilder } from '../segments/get-urls.js';
import * as repo from '../segments/segments.repo.js';
import type { TamsStorage } from '../storage/backends.js';
import { tagConditions } from '../tag-filters.js';
import type { ObjectDoc, ObjectQuery } from './objects.schemas.js';

const flowIdOrder: SortOrder<{ flow_id: string }> = {
  name: 'flow',
  parts: [{ sql: sql`${tamsFlows.id}`, cast: 'uuid' }],
  descending: false,
  keyOf: (r) => [r.flow_id],
};

/**
 * GET /objects/{id}: a registered object (404 for ids allocated but not registered yet, as the
 * spec requires) with the flows referencing it, paged, and its get_urls.
 */
export class ObjectsService {
  constructor(
    private readonly db: Db,
    private readonly storage: TamsStorage,
    private readonly presignSeconds: number,
  ) {}

  async get(objectId: string, query: ObjectQuery): Promise<{ doc: ObjectDoc; page: Page<string> }> {
    const object = await repo.findObject(this.db, objectId);
    if (!object) throw notFound(`object ${objectId} does not exist (or is allocated and not registered by any segment yet)`);
    const tags = tagConditions(tamsFlows.tags, {
      'tag.{name}': query['flow_tag.{name}'].map(([name, value]) => [name, [value]]),
      'tag_exists.{name}': query['flow_tag_exists.{name}'],
    });
    const page = await fetchPage(flowIdOrder, query, (after, orderBy, limit) => repo.referencingFlows(this.db, objectId, [...tags, after], orderBy, limit));
    const urls = new GetUrlBuilder(this.storage, this.presignSeconds, query);
    const getUrls = await urls.urls({
      storeConfigId: Number(object.store_config_id),
      storeKey: object.store_key,
      contentType: object.content_type,
      copies: object.copies,
      uncontrolled: object.uncontrolled_urls,
    });
    const doc: ObjectDoc = {
      id: object.id,
      referenced_by_flows: page.items.map((r) => r.flow_id),
      first_referenced_by_flow: object.first_flow_id,
      // object.json: MUST NOT be set for an init segment.
      ...(object.init ? {} : { timerange: object.timerange }),
      ...(object.key_frame_count !== null ? { key_frame_count: object.key_frame_count } : {}),
      get_urls: getUrls,
    };
    return { doc, page: { ...page, items: doc.referenced_by_flows } };
  }
}
