import { isDeepStrictEqual } from 'node:util';
import { and } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { transactionWithRetry } from '../../db/transaction.js';
import { badRequest, notFound } from '../../http/errors.js';
import { ChangeSet } from '../changes.js';
import { compact } from '../flows/flow-document.js';
import { fetchPage, type Page } from '../http/paging.js';
import { type SourceMetadata, toSourceDoc, toSourceMetadata } from './source-document.js';
import * as repo from './sources.repo.js';
import type { SourceDoc, SourceListQuery } from './sources.schemas.js';

/**
 * Sources are created by the first flow PUT that names them (format, label and description
 * from that flow), changed through their label, description and tags endpoints, and removed
 * when their last flow goes.
 */
export class SourcesService {
  constructor(private readonly db: Db) {}

  async list(query: SourceListQuery): Promise<Page<SourceDoc>> {
    const conditions = repo.listConditions(query);
    const page = await fetchPage(repo.sourceOrders[query.sort_by ?? 'created'], { ...query, reverse: query.reverse_order }, (after, orderBy, limit) =>
      repo.selectSources(this.db, and(...conditions, after), orderBy, limit),
    );
    return { ...page, items: page.items.map(toSourceDoc) };
  }

  async get(id: string): Promise<SourceDoc> {
    const [record] = await repo.sourcesByIds(this.db, [id]);
    if (!record) throw notFound(`source ${id} does not exist`);
    return toSourceDoc(record);
  }

  /** Applies `change` to the source's label, description and tags; a change that changes nothing records nothing. */
  async change(actor: string, id: string, change: (current: SourceMetadata) => SourceMetadata): Promise<void> {
    await transactionWithRetry(this.db, async (tx) => {
      const [record] = (await repo.lockSource(tx, id)) ? await repo.sourcesByIds(tx, [id]) : [];
      if (!record) throw notFound(`source ${id} does not exist`);
      const current = toSourceMetadata(toSourceDoc(record));
      const next = compact(change(current));
      if (isDeepStrictEqual(current, next)) return;
      const changes = await ChangeSet.track(tx, [], [id]);
      await repo.updateSource(tx, id, { label: next.label ?? null, description: next.description ?? null, tags: next.tags }, actor);
      await changes.record(actor);
    });
  }

  /**
   * Call first in a flow write: from here until the transaction ends no other flow write can
   * create or remove these sources, so what the write sees of them stays true.
   */
  lockForFlowWrite(tx: Db, ids: string[]): Promise<void> {
    return repo.lockSourceIds(tx, ids);
  }

  /** The source a flow names (locked with `lockForFlowWrite`), created from the flow's metadata when new. */
  async ensureForFlow(tx: Db, actor: string, id: string, flow: { format: string; label?: string; description?: string }): Promise<repo.SourceRow> {
    const existing = await repo.lockSource(tx, id);
    if (existing) return existing;
    const created = await repo.insertSource(tx, {
      id,
      format: flow.format,
      label: flow.label ?? null,
      description: flow.description ?? null,
      createdBy: actor,
      updatedBy: actor,
    });
    if (!created) throw new Error(`source ${id} appeared although its lock was held`);
    return created;
  }

  /** A source's flows share its format; the source's only flow may change it (spec: reflect changes that bring no flow into conflict). */
  async adoptFormat(tx: Db, actor: string, source: repo.SourceRow, flowId: string, format: string): Promise<void> {
    if (source.format === format) return;
    if (await repo.sourceHasOtherFlows(tx, source.id, flowId)) {
      throw badRequest(`format: ${format} conflicts with source ${source.id}, whose other flows are ${source.format}`);
    }
    await repo.updateSource(tx, source.id, { format }, actor);
  }

  /** Removes the source (locked with `lockForFlowWrite`) if no flow names it any more. */
  async removeIfUnused(tx: Db, id: string): Promise<void> {
    if (!(await repo.lockSource(tx, id))) return;
    if (await repo.sourceHasOtherFlows(tx, id)) return;
    await repo.deleteSource(tx, id);
  }
}
