import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { BackgroundWorker } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { MediaDeletion } from '../../media/deletion.js';
import { DeleteRequestsService } from './delete-requests.service.js';
import { DeleteRequestWorker, type FlowRemover } from './delete-worker.js';
import { SegmentEraser } from './segment-eraser.js';

export interface DeleteRequestsCapability {
  eraser: SegmentEraser;
  service: DeleteRequestsService;
  worker: BackgroundWorker;
}

/**
 * Segment deletion and flow delete requests. `flows` removes a flow whose request finished
 * (FlowsService.removeEmptied; a function because the flows service is built with this one).
 */
export function createDeleteRequests(config: Config, db: Db, deletion: MediaDeletion, logger: Logger, flows: FlowRemover): DeleteRequestsCapability {
  const log = logger.child({ component: 'tams-delete-requests' });
  const eraser = new SegmentEraser(db, deletion, log);
  const { inlineLimit, batchSize, keepSeconds } = config.deleteRequests;
  const worker = new DeleteRequestWorker({ db, flows, eraser, logger: log, batchSize, keepSeconds });
  const service = new DeleteRequestsService(db, eraser, { inlineLimit }, () => worker.wake());
  return { eraser, service, worker };
}
