import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BackgroundWorker } from '../context.js';
import type { Db } from '../db/client.js';
import type { RouteDef } from '../http/routes.js';
import type { MediaCapability } from '../media/setup.js';
import { contentRoutes } from './content.routes.js';
import { fixityRoutes } from './fixity.routes.js';
import { AUDIT_STALE_SECONDS, FixityService } from './fixity.service.js';
import { transferRoutes } from './transfer.routes.js';
import { TransferService } from './transfer.service.js';

/** Upload, download and streaming of media bytes, and their fixity. */
export interface TransferCapability {
  transfer: TransferService;
  fixity: FixityService;
  base64Limit: number;
  workers: BackgroundWorker[];
}

export function createTransfer(config: Config, db: Db, media: MediaCapability, logger: Logger): TransferCapability {
  const log = logger.child({ component: 'transfer' });
  const transfer = new TransferService(media.media, media.resolver, { base64Limit: config.base64UploadLimit, presignSeconds: config.presignedUrlExpiresSeconds }, log);
  const fixity = new FixityService(db, media.media, transfer, log);
  return { transfer, fixity, base64Limit: config.base64UploadLimit, workers: [auditResumer(fixity, log)] };
}

/** /api route tables; mounted before the media ones, whose `/media/*pid` would swallow `/media/{pid}/content`. */
export function transferRouteTables(t: TransferCapability): RouteDef[] {
  return [...transferRoutes(t.transfer, t.base64Limit), ...contentRoutes(t.transfer), ...fixityRoutes(t.fixity)];
}

/** Picks up audits whose process went away, at start and then periodically. */
function auditResumer(fixity: FixityService, logger: Logger): BackgroundWorker {
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    fixity.resumeStale().catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not resume fixity audits'));
  };
  return {
    name: 'fixity audit resumer',
    start() {
      run();
      timer = setInterval(run, (AUDIT_STALE_SECONDS * 1000) / 2);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await fixity.stop();
    },
  };
}
