import type { Logger } from 'pino';
import { leaseOwnerId, LoopWorker } from '../../events/loop-worker.js';
import type { BackgroundWorker } from '../../context.js';
import type { Db } from '../../db/client.js';
import { transactionWithRetry } from '../../db/transaction.js';
import { Backoff } from '../../events/backoff.js';
import { formatTimerange, parseTimerange } from '../timerange.js';
import { lockFlowForSegments } from '../segments/segments.repo.js';
import * as repo from './deletion.repo.js';
import type { SegmentEraser } from './segment-eraser.js';

/** Removes the flow row once its segments are gone (in the given transaction); false when it was gone already. */
export type FlowRemover = (tx: Db, actor: string, flowId: string) => Promise<boolean>;

export interface DeleteWorkerOptions {
  db: Db;
  flows: FlowRemover;
  eraser: SegmentEraser;
  logger: Logger;
  /** Segments per transaction. */
  batchSize: number;
  /** How long a finished request stays readable. */
  keepSeconds: number;
  /** A worker that stops renewing its lease (killed, cut off) loses the request after this. */
  leaseMs?: number;
  /** How often an idle worker looks for requests (and purges expired ones). */
  pollMs?: number;
  /** Consecutive failed batches after which a request ends in `error`. */
  maxFailures?: number;
}

type Step = { finished: boolean; actor: string; released: string[] };

/**
 * Carries out delete requests, on every replica: leases the oldest pending request nobody
 * holds (SKIP LOCKED; a lapsed lease means its holder died, and the request is taken over),
 * then deletes its segments in batches, each batch one short transaction that also records
 * `timerange_remaining`, renews the lease and checks the lease is still its own. A restart,
 * a SIGKILL or a stop therefore loses at most a batch in flight, which rolls back; the next
 * holder continues from `timerange_remaining`. When no segment remains the flow row goes too
 * (`delete_flow`), in the transaction that marks the request `done`.
 */
export class DeleteRequestWorker extends LoopWorker implements BackgroundWorker {
  readonly name = 'tams delete requests';
  private readonly owner = leaseOwnerId();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxFailures: number;
  private readonly backoff = new Backoff(250, 10_000);
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: DeleteWorkerOptions) {
    super();
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.maxFailures = options.maxFailures ?? 5;
  }

  protected async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const worked = await this.runOnce();
        this.backoff.reset();
        if (!worked) {
          await repo.purgeExpired(this.options.db);
          await this.options.eraser.releaseLeftovers();
          await this.sleep(this.pollMs);
        }
      } catch (err) {
        this.options.logger.warn({ err: describe(err) }, 'delete request worker: looking for work failed; retrying');
        await this.sleep(this.backoff.next());
      }
    }
  }

  /** Claims one request and works on it until it ends, the worker stops, or the lease is lost; false when there was none. */
  async runOnce(): Promise<boolean> {
    const claimed = await repo.claimRequest(this.options.db, this.owner, this.leaseMs);
    if (!claimed) return false;
    const log = this.options.logger.child({ deleteRequest: claimed.id, flow: claimed.flowId });
    log.info({ remaining: claimed.timerangeRemaining, status: claimed.status }, 'working on a flow delete request');
    while (!this.stopping) {
      let step: Step | undefined;
      try {
        step = await this.batch(claimed.id);
        this.failures.delete(claimed.id);
      } catch (err) {
        await this.failed(claimed.id, err, log);
        return true;
      }
      if (step) await this.options.eraser.releaseObjects(step.actor, step.released);
      if (!step || step.finished) return true;
    }
    await repo.releaseLease(this.options.db, claimed.id, this.owner);
    return true;
  }

  /** One batch; undefined when the lease is no longer ours (another worker took the request over). */
  private async batch(id: string): Promise<Step | undefined> {
    const { db, eraser, flows, batchSize, keepSeconds } = this.options;
    return transactionWithRetry(db, async (tx) => {
      const request = await repo.lockOwnRequest(tx, id, this.owner);
      if (!request || (request.status !== 'created' && request.status !== 'started')) return undefined;
      const actor = request.createdBy;
      const flow = await lockFlowForSegments(tx, request.flowId);
      if (!flow) {
        await repo.finishRequest(tx, id, 'done', keepSeconds, null, '()');
        return { finished: true, actor, released: [] };
      }
      if (flow.readOnly) {
        const error = { type: 'Forbidden', summary: `flow ${request.flowId} was made read-only; its segments cannot be deleted`, time: new Date().toISOString() };
        await repo.finishRequest(tx, id, 'error', keepSeconds, error);
        return { finished: true, actor, released: [] };
      }
      const scope = { flowId: request.flowId, within: parseTimerange(request.timerangeRemaining), objectId: request.objectId ?? undefined };
      const erased = await eraser.erase(tx, actor, scope, batchSize);
      if (erased.more) {
        await repo.updateRequest(tx, id, {
          status: 'started',
          timerangeRemaining: formatTimerange(erased.remaining),
          deletedSegments: request.deletedSegments + erased.deleted,
          leaseMs: this.leaseMs,
        });
        return { finished: false, actor, released: erased.released };
      }
      if (request.deleteFlow) await flows(tx, actor, request.flowId);
      await repo.updateRequest(tx, id, { deletedSegments: request.deletedSegments + erased.deleted });
      await repo.finishRequest(tx, id, 'done', keepSeconds, null, '()');
      return { finished: true, actor, released: erased.released };
    });
  }

  /** A batch failed: the lease is handed back for a retry, or after `maxFailures` in a row the request ends in `error`. */
  private async failed(id: string, err: unknown, log: Logger): Promise<void> {
    const failures = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, failures);
    log.warn({ err: describe(err), failures }, 'a batch of a flow delete request failed');
    if (failures < this.maxFailures) {
      await repo.releaseLease(this.options.db, id, this.owner).catch(() => {});
      await this.sleep(this.backoff.next());
      return;
    }
    this.failures.delete(id);
    const error = { type: 'InternalServerError', summary: `deleting segments failed ${failures} times in a row; the server log has the details`, time: new Date().toISOString() };
    await repo.finishRequest(this.options.db, id, 'error', this.options.keepSeconds, error).catch((e: unknown) => log.error({ err: describe(e) }, 'could not record a failed delete request'));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
