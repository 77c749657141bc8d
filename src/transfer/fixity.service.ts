import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { ApiError, notFound } from '../http/errors.js';
import type { Change } from '../media/change.js';
import type { MediaRecord, MediaService } from '../media/media.service.js';
import { digestOf } from '../stores/hashing.js';
import * as repo from './fixity.repo.js';
import type { AuditCreate, AuditView, VerifyReport } from './fixity.schemas.js';
import type { AuditSelection } from './fixity.tables.js';
import type { TransferService } from './transfer.service.js';

/** Records verified between two updates of an audit's counters. */
const AUDIT_BATCH = 50;
/** A running audit not updated for this long has lost its runner and may be resumed. */
export const AUDIT_STALE_SECONDS = 120;

export interface AuditProgress {
  total: number;
  checked: number;
}

/**
 * Fixity: re-reads stored bytes and compares them with the size and checksums measured when
 * they were stored. A mismatch (or a missing object) marks the record and emits
 * `media.fixity_failed`; audits do the same for a selection, in the background, keeping their
 * progress in `fixity_audits` so that another process can resume them.
 */
export class FixityService {
  readonly #running = new Set<Promise<void>>();
  #stopping = false;

  constructor(
    private readonly db: Db,
    private readonly media: MediaService,
    private readonly transfer: TransferService,
    private readonly logger: Logger,
  ) {}

  async verify(change: Change, pid: string): Promise<VerifyReport> {
    return this.verifyRecord(change, await this.transfer.ready(pid));
  }

  private async verifyRecord(change: Change, record: MediaRecord): Promise<VerifyReport> {
    const { size, checksums } = record.view;
    const expected = { size: size!, sha256: checksums.sha256!, md5: checksums.md5! };
    const store = await this.transfer.storeOf(record.view);
    let actual: VerifyReport['actual'] = null;
    try {
      actual = await digestOf((await store.get(record.storeKey)).body);
    } catch (err) {
      // A missing object is the worst mismatch; anything else (store down) is not a verdict.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    const match = actual !== null && actual.size === expected.size && actual.sha256 === expected.sha256 && actual.md5 === expected.md5;
    const status = match ? 'match' : 'mismatch';
    await this.media.recordFixity(change, record.id, status, record.view.fixity?.status);
    if (!match) this.logger.warn({ pid: record.pid, expected, actual }, 'fixity mismatch');
    return { pid: record.pid, status, expected, actual, verified_at: new Date().toISOString() };
  }

  /** Records the audit (with the number of records selected) and runs it in the background. */
  async startAudit(change: Change, selection: AuditCreate): Promise<AuditView> {
    const row = await this.createAudit(change, selection);
    this.track(this.runAudit(change, row.id, selection, 0));
    return toAuditView(row);
  }

  async createAudit(change: Change, selection: AuditSelection): Promise<repo.AuditRow> {
    return repo.insertAudit(this.db, selection, await repo.countSelected(this.db, selection), change.actor);
  }

  async audit(id: number): Promise<AuditView> {
    const row = await repo.findAudit(this.db, id);
    if (!row) throw notFound(`fixity audit ${id} not found`);
    return toAuditView(row);
  }

  /**
   * Verifies the selection's records after `afterId`, in id order, batch by batch, adding each
   * batch's outcome to the audit row. Never throws: a failure ends the audit as `failed`.
   */
  async runAudit(change: Change, id: number, selection: AuditSelection, afterId: number, onProgress?: (p: AuditProgress) => void): Promise<void> {
    let lastId = afterId;
    try {
      for (;;) {
        if (this.#stopping) return; // left `running`: resumed by the next process
        const ids = await repo.nextSelected(this.db, selection, lastId, AUDIT_BATCH);
        if (ids.length === 0) break;
        const step: repo.AuditStep = { lastMediaId: lastId, matched: 0, mismatched: 0, errors: 0, mismatches: [] };
        for (const mediaId of ids) {
          if (this.#stopping) break;
          await this.auditOne(change, mediaId, step);
          step.lastMediaId = lastId = mediaId;
        }
        await repo.recordStep(this.db, id, step);
        if (onProgress) {
          const row = (await repo.findAudit(this.db, id))!;
          onProgress({ total: row.total, checked: row.checked });
        }
      }
      await repo.finishAudit(this.db, id, 'done');
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.message : String(err), audit: id }, 'fixity audit failed');
      await repo.finishAudit(this.db, id, 'failed', err instanceof ApiError ? err.message : 'internal error; the server log has the details').catch(() => undefined);
    }
  }

  private async auditOne(change: Change, mediaId: number, step: repo.AuditStep): Promise<void> {
    const record = await this.media.findById(mediaId);
    // Deleted or changed since it was selected: nothing to verify any more.
    if (!record || record.storeStatus !== 'READY' || record.deleteRequested) return;
    try {
      const report = await this.verifyRecord(change, record);
      if (report.status === 'match') step.matched++;
      else {
        step.mismatched++;
        step.mismatches.push(record.pid);
      }
    } catch (err) {
      step.errors++;
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), pid: record.pid }, 'fixity audit could not read a record');
    }
  }

  /** Resumes audits whose runner went away (started by the background worker). */
  async resumeStale(): Promise<number> {
    const stale = await repo.claimStale(this.db, AUDIT_STALE_SECONDS);
    for (const row of stale) {
      this.logger.info({ audit: row.id, after: row.lastMediaId }, 'resuming fixity audit');
      this.track(this.runAudit({ actor: row.createdBy, reason: `fixity audit ${row.id}` }, row.id, row.selection, row.lastMediaId));
    }
    return stale.length;
  }

  /** Lets running audits finish their current record; they stay `running` and are resumed later. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.idle();
  }

  /** Resolves when every audit started by this process has ended (tests, the CLI). */
  async idle(): Promise<void> {
    while (this.#running.size) await Promise.all(this.#running);
  }

  private track(run: Promise<void>): void {
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }
}

function toAuditView(row: repo.AuditRow): AuditView {
  return {
    id: row.id,
    status: row.status,
    selection: row.selection,
    total: row.total,
    checked: row.checked,
    matched: row.matched,
    mismatched: row.mismatched,
    errors: row.errors,
    mismatches: row.mismatches,
    error: row.error,
    created_by: row.createdBy,
    started: row.started.toISOString(),
    updated: row.updated.toISOString(),
    finished: row.finished?.toISOString() ?? null,
  };
}
