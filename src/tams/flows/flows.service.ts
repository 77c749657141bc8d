import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { and, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { transactionWithRetry } from '../../db/transaction.js';
import { badRequest, forbidden, notFound } from '../../http/errors.js';
import { ChangeSet } from '../changes.js';
import { assertFlowNotBeingDeleted } from '../deletion/delete-guard.js';
import type { DeleteRequestDoc } from '../deletion/delete-requests.schemas.js';
import { fetchPage, type Page } from '../http/paging.js';
import { findProfile } from '../profiles/profiles.repo.js';
import type { SourcesService } from '../sources/sources.service.js';
import { ETERNITY, formatTimerange, type TimeRange } from '../timerange.js';
import type { CollectionItem } from './collections.sql.js';
import type { FlowContent } from './flow-content.js';
import { compact, type FlowDoc, type FlowMetadata, onlyReadOnlyDiffers, sameMetadata, toFlowColumns, toFlowDoc, toFlowMetadata } from './flow-document.js';
import * as repo from './flows.repo.js';
import type { FlowListQuery, FlowPut } from './flows.schemas.js';

export type FlowChange = (current: FlowMetadata) => FlowMetadata;

/**
 * Flows: PUT creates or replaces, the property endpoints change one member, DELETE removes.
 * Every write runs in one transaction that locks the flow (for a PUT the flow id, even before
 * the flow exists, so concurrent PUTs of one flow run one after the other), then its sources
 * (so none is created or removed twice), then snapshots what it may change; events come from
 * the ChangeSet.
 */
export class FlowsService {
  constructor(
    private readonly db: Db,
    private readonly sources: SourcesService,
    private readonly content: FlowContent,
  ) {}

  async list(query: FlowListQuery): Promise<Page<FlowDoc>> {
    const conditions = repo.listConditions(query, this.content);
    const page = await fetchPage(repo.flowOrders[query.sort_by ?? 'created'], { ...query, reverse: query.reverse_order }, (after, orderBy, limit) =>
      repo.selectFlows(this.db, and(...conditions, after), orderBy, limit),
    );
    return { ...page, items: page.items.map(toFlowDoc) };
  }

  async get(id: string, options: { include_timerange?: boolean | undefined; timerange?: TimeRange | undefined } = {}): Promise<FlowDoc> {
    const [record] = await repo.flowsByIds(this.db, [id]);
    if (!record) throw notFound(`flow ${id} does not exist`);
    const doc = toFlowDoc(record);
    if (options.include_timerange) doc.timerange = formatTimerange(await this.content.timerange(this.db, id, options.timerange ?? ETERNITY));
    return doc;
  }

  /** Creates (returning the stored flow) or replaces (returning nothing) the flow. */
  async put(actor: string, id: string, body: FlowPut): Promise<{ created: FlowDoc | undefined }> {
    if (body.id !== id) throw badRequest(`id: the body's id ${body.id} differs from the path's ${id}`);
    return transactionWithRetry(this.db, async (tx) => {
      await repo.lockFlowId(tx, id);
      const next = await this.metadataOf(tx, body);
      if (!(await repo.lockFlow(tx, id))) return { created: await this.create(tx, actor, id, next, body.metadata_version) };
      await assertFlowNotBeingDeleted(tx, id);
      await this.apply(tx, actor, id, () => next, body.metadata_version);
      return { created: undefined };
    });
  }

  /** A property endpoint's write: `change` gets the current metadata and returns the new. */
  async change(actor: string, id: string, change: FlowChange): Promise<void> {
    await transactionWithRetry(this.db, async (tx) => {
      if (!(await repo.lockFlow(tx, id))) throw notFound(`flow ${id} does not exist`);
      await assertFlowNotBeingDeleted(tx, id);
      await this.apply(tx, actor, id, change, undefined);
    });
  }

  /**
   * Deletes the flow (undefined), or, when its segments are too many to delete within the
   * request, answers the delete request that will (the flow stays until then, refusing
   * changes; `removeEmptied` finishes).
   */
  async remove(actor: string, id: string): Promise<DeleteRequestDoc | undefined> {
    const outcome = await transactionWithRetry(this.db, async (tx) => {
      const [record] = (await repo.lockFlow(tx, id)) ? await repo.flowsByIds(tx, [id]) : [];
      if (!record) throw notFound(`flow ${id} does not exist`);
      if (record.row.readOnly) throw forbidden(`flow ${id} is read-only; set read_only to false before deleting it`);
      const content = await this.content.deleteAll(tx, id, actor);
      if (!content.request) await this.removeRow(tx, actor, id);
      return content;
    });
    await outcome.afterCommit?.();
    return outcome.request;
  }

  /** The end of a flow's delete request, in its transaction: the flow row goes (false when it is already gone). */
  async removeEmptied(tx: Db, actor: string, id: string): Promise<boolean> {
    if (!(await repo.lockFlow(tx, id))) return false;
    await this.removeRow(tx, actor, id);
    return true;
  }

  /** The locked flow `id`, its segments gone: out of collections, its source removed if unused, with the events. */
  private async removeRow(tx: Db, actor: string, id: string): Promise<void> {
    const [record] = await repo.flowsByIds(tx, [id]);
    const members = (record!.collection ?? []).map((i) => i.id);
    const collectors = record!.collectedBy ?? [];
    const sourceId = record!.row.sourceId;
    await this.sources.lockForFlowWrite(tx, [sourceId]);
    const changes = await ChangeSet.track(tx, [id, ...members, ...collectors], [sourceId, ...(await repo.sourceIdsOf(tx, [...members, ...collectors]))]);
    // Collections that listed the flow lose it: a change of their metadata.
    const touched = await repo.removeFromCollections(tx, id);
    await repo.touchMetadata(tx, touched.filter((c) => c !== id), actor);
    await repo.deleteFlow(tx, id);
    await this.sources.removeIfUnused(tx, sourceId);
    await changes.record(actor);
  }

  /** The metadata a PUT body describes: its own technical members, or its profile's. */
  private async metadataOf(tx: Db, body: FlowPut): Promise<FlowMetadata> {
    const { id: _id, metadata_version: _version, profile_id, tags, read_only, flow_collection, ...members } = body;
    let technical = {};
    if (profile_id) {
      const profile = await findProfile(tx, profile_id);
      if (!profile) throw badRequest(`profile_id: profile ${profile_id} does not exist`);
      technical = profile.flowMetadata;
    }
    return compact({
      ...members,
      ...technical,
      profile_id: profile_id || undefined,
      tags: tags ?? {},
      read_only: read_only ?? false,
      flow_collection: flow_collection ?? [],
    } as FlowMetadata);
  }

  private async create(tx: Db, actor: string, id: string, next: FlowMetadata, version: string | undefined): Promise<FlowDoc> {
    const members = next.flow_collection.map((i) => i.id);
    await this.sources.lockForFlowWrite(tx, [next.source_id]);
    const changes = await ChangeSet.track(tx, [id, ...members], [next.source_id, ...(await repo.sourceIdsOf(tx, members))]);
    const source = await this.sources.ensureForFlow(tx, actor, next.source_id, next);
    await this.sources.adoptFormat(tx, actor, source, id, next.format);
    // The spec asks stores to accept a client's metadata_version when a flow is created.
    await repo.insertFlow(tx, { id, ...toFlowColumns(next), metadataVersion: version ?? randomUUID(), createdBy: actor, updatedBy: actor });
    if (members.length) {
      await this.writeCollection(tx, id, next.flow_collection);
      await this.checkSourceCollections(tx, next.source_id);
    }
    await changes.record(actor);
    const [record] = await repo.flowsByIds(tx, [id]);
    return toFlowDoc(record!);
  }

  /** Replaces the metadata of the locked flow `id` by `change(current)`; nothing happens when nothing changes. */
  private async apply(tx: Db, actor: string, id: string, change: FlowChange, version: string | undefined): Promise<void> {
    const [record] = await repo.flowsByIds(tx, [id]);
    const current = toFlowMetadata(record!);
    const next = compact(change(current));
    const newVersion = version !== undefined && version !== record!.row.metadataVersion;
    if (sameMetadata(current, next) && !newVersion) return;
    if (current.read_only && (newVersion || !onlyReadOnlyDiffers(current, next))) {
      throw forbidden(`flow ${id} is read-only; only read_only may change (set it to false first)`);
    }
    const sourceMoves = next.source_id !== current.source_id;
    const collectionChanges = !isDeepStrictEqual(current.flow_collection, next.flow_collection);
    const members = [...current.flow_collection, ...next.flow_collection].map((i) => i.id);
    const collectors = record!.collectedBy ?? [];
    await this.sources.lockForFlowWrite(tx, [current.source_id, next.source_id]);
    const changes = await ChangeSet.track(tx, [id, ...members], [current.source_id, next.source_id, ...(await repo.sourceIdsOf(tx, [...members, ...collectors]))]);
    const source = await this.sources.ensureForFlow(tx, actor, next.source_id, next);
    await this.sources.adoptFormat(tx, actor, source, id, next.format);
    await repo.updateFlow(tx, id, {
      ...toFlowColumns(next),
      metadataVersion: newVersion ? version : randomUUID(),
      metadataUpdated: sql`now()`,
      updatedBy: actor,
    });
    if (collectionChanges) await this.writeCollection(tx, id, next.flow_collection);
    if (collectionChanges || sourceMoves) await this.checkSourceCollections(tx, next.source_id);
    if (sourceMoves) await this.sources.removeIfUnused(tx, current.source_id);
    await changes.record(actor);
  }

  /** Members must be registered flows (the flow itself counts), each listed once. */
  private async writeCollection(tx: Db, id: string, items: CollectionItem[]): Promise<void> {
    const ids = items.map((i) => i.id);
    const twice = ids.find((x, i) => ids.indexOf(x) !== i);
    if (twice) throw badRequest(`flow_collection: flow ${twice} is listed more than once`);
    const existing = await repo.lockExistingFlows(tx, ids);
    const missing = ids.filter((x) => !existing.has(x));
    if (missing.length) throw badRequest(`flow_collection: not registered: ${missing.join(', ')}`, { missing });
    await repo.replaceCollection(tx, id, items);
  }

  /**
   * The flows of one source must agree on the sources they collect, in order and role (the
   * spec's example of metadata that brings flows of a source into conflict, SHOULD be 400).
   */
  private async checkSourceCollections(tx: Db, sourceId: string): Promise<void> {
    let reference: { flow: string; sources: { id: string; role: string | null }[] } | undefined;
    for (const [flow, items] of await repo.collectionSourcesBySource(tx, sourceId)) {
      const sources: { id: string; role: string | null }[] = [];
      for (const item of items) {
        if (item.source_id !== sourceId && !sources.some((s) => s.id === item.source_id)) sources.push({ id: item.source_id, role: item.role });
      }
      if (!sources.length) continue;
      if (!reference) reference = { flow, sources };
      else if (!isDeepStrictEqual(sources, reference.sources)) {
        throw badRequest(
          `flow_collection: flows ${reference.flow} and ${flow} of source ${sourceId} collect different sources (or in another order or role); flows of one source must agree`,
          { source_id: sourceId, flows: { [reference.flow]: reference.sources, [flow]: sources } },
        );
      }
    }
  }
}
