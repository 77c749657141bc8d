import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { recordEvents, type NewEvent } from '../../events/outbox.js';
import { ApiError, badRequest, conflict, notFound } from '../../http/errors.js';
import { recordMediaChanges } from '../../media/history.service.js';
import { toMediaView } from '../../media/media-view.js';
import type { StoreConfigView } from '../../media/store-configs.schemas.js';
import type { StoreConfigsService } from '../../media/store-configs.service.js';
import { ChecksumMismatchError } from '../../stores/hashing.js';
import type { ExpectedChecksums, ObjectStream, Store } from '../../stores/store.js';
import type { StorageBackend, TamsStorage } from '../storage/backends.js';
import * as repo from './instances.repo.js';
import type { InstanceDeleteQuery, InstancePost } from './instances.schemas.js';

/** Which instance an event is about: a controlled one by its backend, an uncontrolled one by its label (never its URL, which may hold a signature). */
interface InstanceRef {
  controlled: boolean;
  label: string;
  storage_id?: string;
}

function instanceEvent(change: 'instance_added' | 'instance_deleted', objectId: string, actor: string, instance: InstanceRef): NewEvent {
  return { type: `tams.objects.${change}`, subject: objectId, actor, payload: { object_id: objectId, instance } };
}

/** What the object's record says its bytes are (only what is known). */
function expectedOf(object: repo.LockedObject): ExpectedChecksums | undefined {
  const expected: ExpectedChecksums = {
    ...(object.sha256 ? { sha256: object.sha256 } : {}),
    ...(object.md5 ? { md5: object.md5 } : {}),
    ...(object.size !== null ? { size: object.size } : {}),
  };
  return expected.sha256 || expected.md5 ? expected : undefined;
}

/**
 * POST and DELETE /objects/{id}/instances. A controlled instance is a copy of the bytes in another
 * storage backend: the bytes stream from the object's own location (or an existing copy) into a
 * new key of the target store, are checked against the checksums recorded at ingest while they
 * stream (a mismatch keeps nothing), and are advertised in `get_urls` once the copy is complete.
 * An uncontrolled instance is a URL with a label, kept with the object. Deleting an instance
 * never deletes the last one (the spec's SHOULD) nor the last controlled one (its MAY: the media
 * record must keep bytes); deleting the record's own location while a copy exists moves the
 * record to the copy.
 */
export class InstancesService {
  constructor(
    private readonly db: Db,
    private readonly storage: TamsStorage,
    private readonly storeConfigs: StoreConfigsService,
    private readonly logger: Logger,
  ) {}

  async add(actor: string, objectId: string, body: InstancePost): Promise<void> {
    if ('storage_id' in body) await this.copy(actor, objectId, body.storage_id);
    else await this.addUncontrolled(actor, objectId, body.url, body.label);
  }

  async remove(actor: string, objectId: string, query: InstanceDeleteQuery): Promise<void> {
    const backends = await this.storage.list();
    // Read before the transaction (PGlite has one connection): the record may move to any of them.
    const stores = new Map((await this.storeConfigs.list()).map((v) => [v.pk, v]));
    const backend = query.storage_id !== undefined ? backends.find((b) => b.id === query.storage_id) : backends.find((b) => b.label === query.label);
    const orphans = await this.db.transaction(async (tx) => {
      const object = await this.registered(tx, objectId, true);
      const total = 1 + object.copies.length + object.uncontrolled.length;
      const refuseLast = () => {
        if (total === 1) throw badRequest(`object ${objectId} has no other instance; delete the segments using it to delete the object`);
      };
      if (!backend) {
        const url = query.label === undefined ? undefined : object.uncontrolled.find((u) => u.label === query.label);
        if (!url) throw notFound(`object ${objectId} has no instance ${query.storage_id !== undefined ? `in storage backend ${query.storage_id}` : `labelled "${query.label}"`}`);
        refuseLast();
        await repo.setUncontrolled(tx, objectId, object.uncontrolled.filter((u) => u !== url));
        await recordEvents(tx, [instanceEvent('instance_deleted', objectId, actor, { controlled: false, label: url.label })]);
        return [];
      }
      const ref = { controlled: true, label: backend.label, storage_id: backend.id };
      const copy = object.copies.find((c) => c.storeConfigId === backend.pk);
      if (copy) {
        refuseLast();
        await repo.detach(tx, copy.id);
        await recordEvents(tx, [instanceEvent('instance_deleted', objectId, actor, ref)]);
        return [copy];
      }
      if (backend.pk !== object.storeConfigId) throw notFound(`object ${objectId} has no instance in storage backend ${backend.id} (${backend.label})`);
      refuseLast();
      const [promoted] = object.copies;
      if (!promoted) throw badRequest(`storage backend ${backend.label} holds the only controlled instance of object ${objectId}; it is kept (add a controlled instance elsewhere first)`);
      const orphan = await this.moveRecord(tx, actor, object, promoted, stores.get(promoted.storeConfigId)!);
      await recordEvents(tx, [instanceEvent('instance_deleted', objectId, actor, ref)]);
      return [orphan];
    });
    await this.deleteBytes(orphans);
  }

  /**
   * Deletes the bytes of instance rows detached from their object (or of copies that never
   * finished), then the rows; a store that fails keeps the row for the next attempt. Returns
   * how many were deleted.
   */
  async deleteBytes(rows: repo.InstanceRow[]): Promise<number> {
    let deleted = 0;
    for (const row of rows) {
      try {
        await (await this.storage.store(row.storeConfigId)).delete(row.storeKey);
        await repo.deleteInstance(this.db, row.id);
        deleted++;
      } catch (err) {
        this.logger.warn({ instance: row.id, err: err instanceof Error ? err.message : String(err) }, 'deleting the bytes of an object instance failed; retried later');
      }
    }
    return deleted;
  }

  /** Housekeeping: bytes of detached instances and of copies unfinished after `staleMs`. */
  async sweep(staleMs: number, limit = 100): Promise<number> {
    const rows = await this.db.transaction(async (tx) => {
      const claimed = await repo.claimOrphans(tx, staleMs, limit);
      // Detached in the claiming transaction, so a copy that finishes late finds its row gone from its object.
      for (const row of claimed) if (row.objectId !== null) await repo.detach(tx, row.id);
      return claimed;
    });
    return this.deleteBytes(rows);
  }

  private async registered(tx: Db, objectId: string, lock: boolean): Promise<repo.LockedObject> {
    const object = await repo.findObject(tx, objectId, lock);
    if (!object || object.deleting) throw notFound(`object ${objectId} does not exist (or is allocated and not registered by any segment yet)`);
    return object;
  }

  private async addUncontrolled(actor: string, objectId: string, url: string, label: string): Promise<void> {
    const backendLabels = new Set((await this.storage.list()).map((b) => b.label));
    if (backendLabels.has(label)) throw badRequest(`label: "${label}" is a storage backend's label; uncontrolled instances need their own`);
    await this.db.transaction(async (tx) => {
      const object = await this.registered(tx, objectId, true);
      const existing = object.uncontrolled.find((u) => u.label === label);
      if (existing?.url === url) return;
      if (existing) throw badRequest(`label: object ${objectId} already has an instance labelled "${label}" with another URL; delete it first`);
      await repo.setUncontrolled(tx, objectId, [...object.uncontrolled, { url, label }]);
      await recordEvents(tx, [instanceEvent('instance_added', objectId, actor, { controlled: false, label })]);
    });
  }

  private async copy(actor: string, objectId: string, storageId: string): Promise<void> {
    const backend = await this.storage.backend(storageId);
    const object = await this.registered(this.db, objectId, false);
    if (object.storeConfigId === backend.pk || object.copies.some((c) => c.storeConfigId === backend.pk)) {
      throw badRequest(`storage_id: object ${objectId} already has an instance in ${backend.label}`);
    }
    const target = await this.storage.store(backend.pk);
    const source = await this.openSource(object);
    const storeKey = randomUUID();
    const reserved = await repo.reserveCopy(this.db, { objectId, storeConfigId: backend.pk, storeKey, createdBy: actor }).catch((err: unknown) => {
      source.body.destroy();
      throw err;
    });
    if (!reserved) {
      source.body.destroy();
      throw badRequest(`storage_id: object ${objectId} already has an instance in ${backend.label} (or one being copied)`);
    }
    try {
      await this.write(target, storeKey, source, object);
      const ready = await this.db.transaction(async (tx) => {
        // The object row lock orders this against a deletion releasing the object.
        const current = await repo.findObject(tx, objectId, true);
        if (!current || current.deleting || !(await repo.markReady(tx, reserved.id))) return false;
        await recordEvents(tx, [instanceEvent('instance_added', objectId, actor, { controlled: true, label: backend.label, storage_id: backend.id })]);
        return true;
      });
      if (!ready) throw notFound(`object ${objectId} was deleted while it was being copied`);
    } catch (err) {
      await this.abandon(reserved, target, backend);
      throw err;
    }
  }

  /** The bytes to copy: the record's own location, else the first copy that has them (400 when none does: nothing was uploaded yet). */
  private async openSource(object: repo.LockedObject): Promise<ObjectStream> {
    const locations = [{ storeConfigId: object.storeConfigId, storeKey: object.storeKey }, ...object.copies];
    for (const location of locations) {
      try {
        return await (await this.storage.store(location.storeConfigId)).get(location.storeKey);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
    throw badRequest(`object ${object.id} has no bytes in any controlled instance yet (upload them first)`);
  }

  private async write(target: Store, key: string, source: ObjectStream, object: repo.LockedObject): Promise<void> {
    const expected = expectedOf(object) ?? { size: source.size };
    try {
      await target.put(key, source.body, { ...(object.contentType ? { contentType: object.contentType } : {}), expected });
    } catch (err) {
      source.body.destroy();
      if (err instanceof ChecksumMismatchError) {
        this.logger.error({ object: object.id, mismatches: err.mismatches }, 'an object instance does not match the checksums recorded at ingest');
        throw conflict(`object ${object.id}: the stored bytes do not match the checksums recorded when they were written; nothing was copied`, err.mismatches);
      }
      throw err;
    }
  }

  /** A failed copy leaves nothing: its bytes (if any got written) and its reservation go. */
  private async abandon(reserved: repo.InstanceRow, target: Store, backend: StorageBackend): Promise<void> {
    try {
      await target.delete(reserved.storeKey);
      await repo.deleteInstance(this.db, reserved.id);
    } catch (err) {
      // The reservation stays, unready: the housekeeping worker deletes it and any bytes later.
      this.logger.warn({ instance: reserved.id, backend: backend.label, err: err instanceof Error ? err.message : String(err) }, 'cleaning up a failed object copy failed');
    }
  }

  /**
   * The record's own location goes: the record moves to `copy`'s location (a `~` history row and
   * `media.updated`), and the old location becomes an orphan row whose bytes are deleted after the commit.
   */
  private async moveRecord(tx: Db, actor: string, object: repo.LockedObject, copy: repo.InstanceRow, store: StoreConfigView): Promise<repo.InstanceRow> {
    await repo.deleteInstance(tx, copy.id);
    const row = await repo.moveRecord(tx, object.mediaId, copy, actor);
    await recordMediaChanges(tx, { actor, reason: 'TAMS object instance deleted' }, [{ type: '~', view: toMediaView(row, store), changed: ['store_config', 'store_key'] }]);
    return repo.insertOrphan(tx, { storeConfigId: object.storeConfigId, storeKey: object.storeKey, createdBy: actor });
  }
}
