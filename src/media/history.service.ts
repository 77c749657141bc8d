import type { Db } from '../db/client.js';
import { recordEvents } from '../events/outbox.js';
import { notFound } from '../http/errors.js';
import { decodeCursor, pageOf } from '../http/pagination.js';
import type { Change } from './change.js';
import * as repo from './history.repo.js';
import type { ConfigHistoryEntry, MediaHistoryEntry } from './history.schemas.js';
import type { ConfigResource, HistoryType } from './history.tables.js';
import type { MediaView } from './media.schemas.js';

/**
 * History and events of the media capability, written together in the transaction of the
 * change: a history row per change, and the event announcing it.
 */

const VERBS: Record<HistoryType, string> = { '+': 'created', '~': 'updated', '-': 'deleted' };

export interface MediaChange {
  type: HistoryType;
  /** The record after the change (before it, for `-`). */
  view: MediaView;
  /** Fields that changed (`~`), listed in the event. */
  changed?: string[];
  /** Instead of `media.<verb>`, e.g. `media.stored`. */
  event?: string;
}

export async function recordMediaChanges(tx: Db, change: Change, changes: MediaChange[]): Promise<void> {
  if (changes.length === 0) return;
  const rows = changes.map((c) => ({
    mediaId: c.view.pk,
    pid: c.view.pid,
    historyType: c.type,
    event: c.event ?? `media.${VERBS[c.type]}`,
    snapshot: c.view,
    ...(c.changed ? { changed: c.changed } : {}),
  }));
  await tx.execute(repo.insertMediaChangesSql(rows, change.actor, change.reason));
}

export interface ConfigChange {
  resource: ConfigResource;
  /** The identifier type's name, or the config's pk. */
  id: string;
  type: HistoryType;
  snapshot: Record<string, unknown>;
  changed?: string[];
}

export async function recordConfigChange(tx: Db, change: Change, c: ConfigChange): Promise<void> {
  await repo.insertConfigHistory(tx, {
    resource: c.resource,
    resourceId: c.id,
    historyType: c.type,
    historyUser: change.actor,
    reason: change.reason,
    snapshot: c.snapshot,
  });
  await recordEvents(tx, [
    {
      type: `${c.resource}.${VERBS[c.type]}`,
      subject: c.id,
      actor: change.actor,
      payload: c.changed ? { ...c.snapshot, changed: c.changed } : c.snapshot,
    },
  ]);
}

const entryFields = (row: repo.MediaHistoryRow | repo.ConfigHistoryRow) => ({
  history_id: row.historyId,
  history_type: row.historyType,
  history_date: row.historyDate.toISOString(),
  history_user: row.historyUser,
  history_change_reason: row.reason,
});

export class HistoryService {
  constructor(private readonly db: Db) {}

  /** Changes of every record ever called `pid`, newest first; works after deletion and across renames. */
  async mediaHistory(pid: string, cursor: string | undefined, limit: number): Promise<{ history: MediaHistoryEntry[]; next_cursor: string | null }> {
    const before = decodeCursor(cursor, ['query', 'cursor']);
    const ids = await repo.mediaIdsForPid(this.db, pid);
    if (ids.length === 0) throw notFound(`media ${pid} not found (and never existed)`);
    const rows = await repo.mediaHistoryPage(this.db, ids, before, limit + 1);
    const page = pageOf(rows, limit, (r) => r.historyId);
    return {
      history: page.items.map((r) => ({ ...entryFields(r), pid: r.pid, snapshot: r.snapshot as Record<string, unknown> })),
      next_cursor: page.next,
    };
  }

  /** The record called `pid` at time `asOf`, from its history. */
  async mediaAsOf(pid: string, asOf: Date): Promise<MediaView> {
    const ids = await repo.mediaIdsForPid(this.db, pid);
    const latest = ids.length ? await repo.mediaHistoryAsOf(this.db, ids, asOf) : [];
    const then = latest.find((r) => r.historyType !== '-' && r.pid === pid);
    if (!then) throw notFound(`media ${pid} did not exist at ${asOf.toISOString()}`);
    return then.snapshot as MediaView;
  }

  async configHistory(resource: ConfigResource, id: string, cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, ['query', 'cursor']);
    const rows = await repo.configHistoryPage(this.db, resource, id, before, limit + 1);
    if (rows.length === 0 && !before) throw notFound(`${resource.replace('_', ' ')} ${id} has no history (it never existed)`);
    const page = pageOf(rows, limit, (r) => r.historyId);
    return {
      history: page.items.map((r): ConfigHistoryEntry => ({ ...entryFields(r), snapshot: r.snapshot as Record<string, unknown> })),
      next_cursor: page.next,
    };
  }
}
