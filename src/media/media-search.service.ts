import type { SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import { searchConditions } from './media-search.repo.js';
import type { MediaSearch } from './media-search.schemas.js';
import { toMediaView } from './media-view.js';
import * as repo from './media.repo.js';
import type { MediaView } from './media.schemas.js';
import { toStoreView } from './store-configs.service.js';

/** Records read per query when everything is asked for. */
const BATCH = 1000;

export interface MediaPage {
  items: MediaView[];
  /** Cursor of the next page; null on the last one. */
  next: string | null;
}

const toView = (f: repo.MediaWithStore) => toMediaView(f.media, toStoreView(f.store));

/** Listing and searching media, in pk order with keyset cursors. */
export class MediaSearchService {
  constructor(private readonly db: Db) {}

  /** One page of the records matching `query` after `cursor`. */
  async page(query: MediaSearch, limit: number, cursor: string | null | undefined, cursorLoc: (string | number)[]): Promise<MediaPage> {
    const after = decodeCursor(cursor ?? undefined, cursorLoc);
    const rows = await repo.pageWhere(this.db, searchConditions(query), after, limit + 1);
    const page = pageOf(rows, limit, (r) => r.media.id);
    return { items: page.items.map(toView), next: page.next };
  }

  /** Every record matching `query` after `cursor`, a batch at a time (for streaming). */
  async *all(query: MediaSearch, cursor: string | null | undefined, cursorLoc: (string | number)[]): AsyncGenerator<MediaView[]> {
    const where: SQL | undefined = searchConditions(query);
    for (let after = decodeCursor(cursor ?? undefined, cursorLoc); ; ) {
      const rows = await repo.pageWhere(this.db, where, after, BATCH);
      if (rows.length) yield rows.map(toView);
      if (rows.length < BATCH) return;
      after = rows.at(-1)!.media.id;
    }
  }
}
