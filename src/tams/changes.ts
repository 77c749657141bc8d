import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../db/client.js';
import { type NewEvent, recordEvents } from '../events/outbox.js';
import { flowEvent, sourceEvent } from './events.js';
import { type FlowDoc, toFlowDoc } from './flows/flow-document.js';
import { flowsByIds } from './flows/flows.repo.js';
import { toSourceDoc } from './sources/source-document.js';
import { sourcesByIds } from './sources/sources.repo.js';
import type { SourceDoc } from './sources/sources.schemas.js';

interface Snapshot {
  flows: Map<string, FlowDoc>;
  sources: Map<string, SourceDoc>;
}

async function snapshot(tx: Db, flowIds: string[], sourceIds: string[]): Promise<Snapshot> {
  const [flows, sources] = await Promise.all([flowsByIds(tx, flowIds), sourcesByIds(tx, sourceIds)]);
  return {
    flows: new Map(flows.map((r) => [r.row.id, toFlowDoc(r)])),
    sources: new Map(sources.map((r) => [r.row.id, toSourceDoc(r)])),
  };
}

/**
 * The events of one write. A change to one flow can change other documents as a side effect
 * (members' `collected_by`, the sources' derived collections, the format of a source); rather
 * than predict each case, the write names every flow and source it might touch, and the events
 * come from comparing their documents before and after: created, updated (any difference) or
 * deleted. Recorded in the write's transaction, sources created first and deleted last.
 */
export class ChangeSet {
  private constructor(
    private readonly tx: Db,
    private readonly flowIds: string[],
    private readonly sourceIds: string[],
    private readonly before: Snapshot,
  ) {}

  static async track(tx: Db, flowIds: Iterable<string>, sourceIds: Iterable<string>): Promise<ChangeSet> {
    const flows = [...new Set(flowIds)];
    const sources = [...new Set(sourceIds)];
    return new ChangeSet(tx, flows, sources, await snapshot(tx, flows, sources));
  }

  async record(actor: string): Promise<void> {
    const after = await snapshot(this.tx, this.flowIds, this.sourceIds);
    const { before } = this;
    const sourceOf = (flow: FlowDoc, s: Snapshot) => s.sources.get(flow.source_id);
    const created: NewEvent[] = [];
    const updated: NewEvent[] = [];
    const deleted: NewEvent[] = [];
    for (const id of this.sourceIds) {
      const [old, now] = [before.sources.get(id), after.sources.get(id)];
      if (!old && now) created.push(sourceEvent('created', now, actor));
    }
    for (const id of this.flowIds) {
      const [old, now] = [before.flows.get(id), after.flows.get(id)];
      if (!old && now) created.push(flowEvent('created', now, sourceOf(now, after), actor));
      else if (old && now && !isDeepStrictEqual(old, now)) updated.push(flowEvent('updated', now, sourceOf(now, after), actor));
      else if (old && !now) deleted.push(flowEvent('deleted', old, sourceOf(old, before), actor));
    }
    for (const id of this.sourceIds) {
      const [old, now] = [before.sources.get(id), after.sources.get(id)];
      if (old && now && !isDeepStrictEqual(old, now)) updated.push(sourceEvent('updated', now, actor));
      else if (old && !now) deleted.push(sourceEvent('deleted', old, actor));
    }
    await recordEvents(this.tx, [...created, ...updated, ...deleted]);
  }
}
