import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ApiError, conflict, isUniqueViolation, notFound, unprocessable } from '../http/errors.js';
import { validateKey } from '../stores/keys.js';
import type { Change } from './change.js';
import { recordMediaChanges } from './history.service.js';
import type { IdentifierTypesService } from './identifier-types.service.js';
import { changedKeys, checkIdentity, deleteMetadata, patchMetadata, putMetadata, refuse, uniqueTags, type RuleIssue } from './media-rules.js';
import type { MetadataUpdateItem } from './media-bulk.schemas.js';
import { toMediaView } from './media-view.js';
import * as repo from './media.repo.js';
import type { MediaCreate, MediaUpdate, MediaView } from './media.schemas.js';
import type { FixityStatus } from './media.tables.js';
import type { StoreConfigView } from './store-configs.schemas.js';
import { toStoreView, type StoreConfigsService } from './store-configs.service.js';

/** A media record with what the transfer capability needs to reach its bytes. */
export interface MediaRecord {
  id: number;
  pid: string;
  storeConfigId: number;
  storeKey: string;
  storeStatus: repo.MediaRow['storeStatus'];
  /** Set while a deletion waits for the store. */
  deleteRequested: Date | null;
  view: MediaView;
}

/** What a completed upload measured (see `StoredObject` in src/stores/store.ts). */
export interface StoredBytes {
  size: number;
  sha256: string;
  md5: string;
  contentType?: string | undefined;
}

const toRecord = ({ media: m, store }: repo.MediaWithStore): MediaRecord => ({
  id: m.id,
  pid: m.pid,
  storeConfigId: m.storeConfigId,
  storeKey: m.storeKey,
  storeStatus: m.storeStatus,
  deleteRequested: m.deleteRequested,
  view: toMediaView(m, toStoreView(store)),
});

/** Column → the field of the API that shows it, for the `changed` list of `media.updated` events. */
const WIRE_NAMES: Partial<Record<keyof repo.NewMediaRow, string>> = {
  pidType: 'pid_type',
  storeConfigId: 'store_config',
  storeKey: 'store_key',
  storeStatus: 'store_status',
  sha256: 'checksums',
  md5: 'checksums',
  contentType: 'content_type',
  fixityChecked: 'fixity',
  fixityStatus: 'fixity',
};

/** The columns a change sets, and the store config view when it moves the record. */
interface Mutation {
  set: Partial<repo.NewMediaRow>;
  store?: StoreConfigView;
}

export class MediaService {
  readonly #findByPid: ReturnType<typeof repo.prepareFindByPid>;

  constructor(
    private readonly db: Db,
    private readonly types: IdentifierTypesService,
    private readonly stores: StoreConfigsService,
  ) {
    this.#findByPid = repo.prepareFindByPid(db);
  }

  // ---- reads --------------------------------------------------------------------------

  async get(pid: string): Promise<MediaView> {
    const [found] = await this.#findByPid.execute({ pid });
    if (!found) throw notFound(`media ${pid} not found`);
    return toMediaView(found.media, toStoreView(found.store));
  }

  /** The record called `pid`, or undefined. */
  async find(pid: string): Promise<MediaRecord | undefined> {
    const found = await repo.findByPid(this.db, pid);
    return found && toRecord(found);
  }

  /** The record with this id (fixity audits walk records by id), or undefined. */
  async findById(id: number): Promise<MediaRecord | undefined> {
    const found = await repo.findById(this.db, id);
    return found && toRecord(found);
  }

  /** The record whose bytes are (or will be) under `storeKey` in store config `storeConfigId`. */
  async findByStoreKey(storeConfigId: number, storeKey: string): Promise<MediaRecord | undefined> {
    const found = await repo.findByStoreKey(this.db, storeConfigId, storeKey);
    return found && toRecord(found);
  }

  /** The records among `pids` that exist, in the order asked, each once. */
  async readMany(pids: string[]): Promise<MediaView[]> {
    const unique = [...new Set(pids)];
    const byPid = new Map((await repo.findByPids(this.db, unique)).map((f) => [f.media.pid, f]));
    return unique.flatMap((pid) => {
      const f = byPid.get(pid);
      return f ? [toMediaView(f.media, toStoreView(f.store))] : [];
    });
  }

  // ---- creation -----------------------------------------------------------------------

  async create(change: Change, input: MediaCreate): Promise<MediaView> {
    return (await this.createMany(change, [input], { single: true }))[0]!;
  }

  /**
   * Creates every record or none: the records, their store configs where new, history rows
   * and events in one transaction, all records in one INSERT. Rule violations are
   * reported together (422, each naming its item); a taken pid or store key is a 409.
   */
  async createMany(change: Change, inputs: MediaCreate[], options: { single?: boolean } = {}): Promise<MediaView[]> {
    const loc = (i: number): (string | number)[] => (options.single ? ['body'] : ['body', i]);
    const items = inputs.map((input) => ({ ...input, pid: input.pid ?? randomUUID(), storeKey: input.store_key || randomUUID() }));
    assertUnique(items.map((i) => i.pid), (pid) => `pid "${pid}" appears more than once in the request`);
    const keyIssues = items.flatMap((item, i) => (item.store_key ? keyProblems(item.store_key, [...loc(i), 'store_key']) : []));
    if (keyIssues.length) throw refuse(keyIssues);

    return this.db.transaction((tx) => this.insertAll(tx, change, items, loc));
  }

  /**
   * Creates the record and runs `then` in the same transaction (e.g. storing its bytes and
   * marking it READY with `markStored(..., tx)`): when `then` fails, the record never existed,
   * with no history row and no event.
   */
  async createWith<T>(change: Change, input: MediaCreate, then: (tx: Db, view: MediaView) => Promise<T>): Promise<T> {
    const item = { ...input, pid: input.pid ?? randomUUID(), storeKey: input.store_key || randomUUID() };
    const keyIssues = item.store_key ? keyProblems(item.store_key, ['body', 'store_key']) : [];
    if (keyIssues.length) throw refuse(keyIssues);
    return this.db.transaction(async (tx) => then(tx, (await this.insertAll(tx, change, [item], () => ['body']))[0]!));
  }

  private async insertAll(tx: Db, change: Change, items: (MediaCreate & { pid: string; storeKey: string })[], loc: (i: number) => (string | number)[]): Promise<MediaView[]> {
    const patterns = await this.types.patternsFor(tx, items.flatMap((i) => [i.pid_type, ...Object.keys(i.identifiers)]));
    const issues: RuleIssue[] = [];
    const identifiers = items.map((item, i) => {
      const checked = checkIdentity(patterns, { pid: item.pid, pidType: item.pid_type, identifiers: item.identifiers }, loc(i));
      issues.push(...checked.issues);
      return checked.identifiers;
    });
    if (issues.length) throw refuse(issues);

    const storeViews = new Map<string, StoreConfigView>();
    const stores: StoreConfigView[] = [];
    for (const [i, item] of items.entries()) {
      const key = JSON.stringify([item.store_config.type, item.store_config.bucket, item.store_config.s3_url ?? '']);
      let store = storeViews.get(key);
      if (!store) storeViews.set(key, (store = await this.stores.getOrCreate(tx, change, item.store_config, [...loc(i), 'store_config'])));
      stores.push(store);
    }
    assertUnique(items.map((item, i) => `${stores[i]!.pk}\u0000${item.storeKey}`), (k) => `store key "${k.split('\u0000')[1]}" is given twice for one store`);

    const rows = items.map((item, i) => ({
      pid: item.pid,
      pidType: item.pid_type,
      storeConfigId: stores[i]!.pk,
      storeKey: item.storeKey,
      identifiers: identifiers[i]!,
      metadata: item.metadata,
      tags: uniqueTags(item.tags),
      createdBy: change.actor,
    }));
    const inserted = await repo.insertMedia(tx, rows);
    if (inserted.length < rows.length) await this.explainRefusedInserts(tx, rows, inserted);

    const storeById = new Map(stores.map((s) => [s.pk, s]));
    const views = inserted.map((row) => toMediaView(row, storeById.get(row.storeConfigId)!));
    await recordMediaChanges(tx, change, views.map((view) => ({ type: '+' as const, view })));
    return views;
  }

  /** Throws the 409 that says which pid or store key was already taken. */
  private async explainRefusedInserts(tx: Db, rows: repo.MediaInsert[], inserted: repo.MediaRow[]): Promise<never> {
    const done = new Set(inserted.map((r) => r.pid));
    const refused = rows.filter((r) => !done.has(r.pid));
    const taken = await repo.existingPids(tx, refused.map((r) => r.pid));
    if (taken.length) throw conflict(`media with pid ${taken.map((p) => `"${p}"`).join(', ')} already exist${taken.length === 1 ? 's' : ''}`);
    const row = refused[0]!;
    const owner = await repo.storeKeyTaken(tx, row.storeConfigId, row.storeKey);
    throw conflict(`store key "${row.storeKey}" is already used in store config ${row.storeConfigId}${owner ? ` (by ${owner})` : ''}`);
  }

  // ---- changes ------------------------------------------------------------------------

  /** AMPLIfy's PATCH: rename (`new_pid`), change `pid_type`, move to another store config while PENDING. */
  async patch(change: Change, pid: string, input: MediaUpdate): Promise<MediaView> {
    if (input.pid && input.pid !== pid) {
      const msg = `the update's pid "${input.pid}" differs from the record's pid "${pid}"`;
      throw unprocessable(msg, [{ loc: ['body', 'pid'], msg, type: 'value_error' }]);
    }
    return this.mutate(change, pid, async (tx, current) => {
      const m = current.media;
      const set: Partial<repo.NewMediaRow> = {};
      const newPid = input.new_pid ?? m.pid;
      const newType = input.pid_type ?? m.pidType;
      if (newPid !== m.pid || newType !== m.pidType) {
        const patterns = await this.types.patternsFor(tx, [newType, ...Object.keys(m.identifiers)]);
        const checked = checkIdentity(patterns, { pid: newPid, pidType: newType, identifiers: m.identifiers }, ['body']);
        if (checked.issues.length) throw refuse(checked.issues);
        if (newPid !== m.pid && (await repo.existingPids(tx, [newPid])).length) throw conflict(`media with pid "${newPid}" already exists`);
        Object.assign(set, { pid: newPid, pidType: newType, identifiers: checked.identifiers });
      }
      if (input.store_config === null || input.store_config === undefined) return { set };
      const store =
        typeof input.store_config === 'number'
          ? await this.stores.existing(tx, input.store_config)
          : await this.stores.getOrCreate(tx, change, input.store_config, ['body', 'store_config']);
      if (!store) throw unprocessable(`store config ${String(input.store_config)} does not exist`, [{ error: `store config ${String(input.store_config)} does not exist` }]);
      if (store.pk !== m.storeConfigId) {
        if (m.storeStatus === 'READY') {
          throw conflict(`media ${m.pid} is READY: its bytes are in store config ${m.storeConfigId}, and moving bytes between stores is not supported`);
        }
        set.storeConfigId = store.pk;
      }
      return { set, store };
    });
  }

  /** `add` appends the tags not there yet; `set` replaces them. */
  async setTags(change: Change, pid: string, tags: string[], mode: 'add' | 'set'): Promise<MediaView> {
    return this.mutate(change, pid, async (_tx, { media: m }) => ({ set: { tags: uniqueTags(mode === 'set' ? tags : [...m.tags, ...tags]) } }));
  }

  /** Points a PENDING record at another key of its store (READY bytes stay where they are: 409). */
  async setStoreKey(change: Change, pid: string, storeKey: string): Promise<MediaView> {
    const problems = keyProblems(storeKey, ['body', 'store_key']);
    if (problems.length) throw refuse(problems);
    return this.mutate(change, pid, async (_tx, { media: m }) => {
      if (storeKey === m.storeKey) return undefined;
      if (m.storeStatus === 'READY') throw conflict(`media ${m.pid} is READY: its bytes are stored under "${m.storeKey}", so its store key cannot change`);
      return { set: { storeKey } };
    });
  }

  /** Replaces the identifiers (checked against their types, as on create). */
  async setIdentifiers(change: Change, pid: string, identifiers: Record<string, string>): Promise<MediaView> {
    return this.mutate(change, pid, async (tx, { media: m }) => {
      const patterns = await this.types.patternsFor(tx, [m.pidType, ...Object.keys(identifiers)]);
      const checked = checkIdentity(patterns, { pid: m.pid, pidType: m.pidType, identifiers }, ['body', 'identifiers']);
      if (checked.issues.length) throw refuse(checked.issues);
      return { set: { identifiers: checked.identifiers } };
    });
  }

  /** `put` replaces the value at the key path, `patch` merges an object into it, `delete` removes it. */
  async updateMetadata(change: Change, item: MetadataUpdateItem, mode: 'put' | 'patch' | 'delete'): Promise<MediaView> {
    return this.mutate(change, item.pid, async (_tx, { media: m }) => {
      const metadata =
        mode === 'put' ? putMetadata(m.metadata, item.keys, item.data) : mode === 'patch' ? patchMetadata(m.metadata, item.keys, item.data) : deleteMetadata(m.metadata, item.keys);
      return { set: { metadata } };
    });
  }

  /**
   * For the transfer capability: the bytes of `pid` are in its store, measured as `stored`.
   * Marks the record READY with size, checksums and time, with a history row and a
   * `media.stored` event, in one transaction.
   */
  async markStored(change: Change, pid: string, stored: StoredBytes, tx?: Db): Promise<MediaView> {
    return this.mutate(
      change,
      pid,
      async (_tx, { media: m }) => ({
        set: {
          storeStatus: 'READY',
          size: stored.size,
          sha256: stored.sha256,
          md5: stored.md5,
          contentType: stored.contentType ?? m.contentType,
          stored: sql`now()` as unknown as Date,
          // New bytes have not been verified yet.
          fixityChecked: null,
          fixityStatus: null,
        },
      }),
      'media.stored',
      tx,
    );
  }

  /**
   * For fixity checks: the outcome of re-reading the bytes of record `id`. A match after a
   * match (or none) only notes the time: no history row, since nothing about the record
   * changed. A mismatch is a change of the record, with a history row and a
   * `media.fixity_failed` event; so is a match after a mismatch (`media.updated`).
   */
  async recordFixity(change: Change, id: number, status: FixityStatus, previous: FixityStatus | undefined): Promise<void> {
    if (status === 'match' && previous !== 'mismatch') {
      await repo.setFixity(this.db, id, status);
      return;
    }
    const event = status === 'mismatch' ? 'media.fixity_failed' : undefined;
    await this.mutateById(change, id, async () => ({ set: { fixityChecked: sql`now()` as unknown as Date, fixityStatus: status } }), event);
  }

  /**
   * The one way records change: locks the record, lets `compute` decide the new values, and
   * writes them with a history row and an event, in one transaction. Writes nothing when
   * nothing changes. Records waiting for deletion cannot change (409).
   */
  private async mutate(
    change: Change,
    pid: string,
    compute: (tx: Db, current: repo.MediaWithStore) => Promise<Mutation | undefined>,
    event?: string,
    inTx?: Db,
  ): Promise<MediaView> {
    return this.change(change, pid, (tx) => repo.findByPid(tx, pid, 'update'), compute, event, inTx);
  }

  private async mutateById(change: Change, id: number, compute: (tx: Db, current: repo.MediaWithStore) => Promise<Mutation | undefined>, event?: string) {
    return this.change(change, `#${id}`, (tx) => repo.findById(tx, id, { skipLocked: false }), compute, event);
  }

  private async change(
    change: Change,
    pid: string,
    find: (tx: Db) => Promise<repo.MediaWithStore | undefined>,
    compute: (tx: Db, current: repo.MediaWithStore) => Promise<Mutation | undefined>,
    event?: string,
    inTx?: Db,
  ): Promise<MediaView> {
    const run = <T>(fn: (tx: Db) => Promise<T>) => (inTx ? fn(inTx) : this.db.transaction((tx) => fn(tx)));
    return run(async (tx) => {
      const current = await find(tx);
      if (!current) throw notFound(`media ${pid} not found`);
      if (current.media.deleteRequested) throw conflict(`media ${pid} is being deleted`);
      const mutation = await compute(tx, current);
      const store = mutation?.store ?? toStoreView(current.store);
      const changed = mutation ? changedKeys(current.media, mutation.set) : [];
      if (changed.length === 0) return toMediaView(current.media, store);
      const row = await repo.updateMedia(tx, current.media.id, { ...mutation!.set, updated: sql`now()` as unknown as Date, updatedBy: change.actor });
      const view = toMediaView(row, store);
      const fields = [...new Set(changed.map((k) => WIRE_NAMES[k] ?? k))];
      await recordMediaChanges(tx, change, [{ type: '~', view, changed: fields, ...(event ? { event } : {}) }]);
      return view;
    }).catch((err: unknown) => {
      if (isUniqueViolation(err, 'media_pid_key')) throw conflict(`media with this pid already exists (renaming ${pid})`);
      if (isUniqueViolation(err, 'media_store_key_per_store')) throw conflict(`the store key of ${pid} is already used by another record of that store`);
      throw err;
    });
  }
}

function assertUnique(values: string[], message: (duplicate: string) => string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw conflict(message(v));
    seen.add(v);
  }
}

function keyProblems(key: string, loc: (string | number)[]): RuleIssue[] {
  try {
    validateKey(key);
    return [];
  } catch (err) {
    if (err instanceof ApiError) return [{ error: err.message, loc }];
    throw err;
  }
}
