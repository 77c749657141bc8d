import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BackgroundWorker } from '../context.js';
import type { Db } from '../db/client.js';
import type { EventSequencer } from '../events/sequencer.js';
import { version } from '../version.js';
import type { DeleteRequestsService } from './deletion/delete-requests.service.js';
import type { SegmentEraser } from './deletion/segment-eraser.js';
import { createDeleteRequests } from './deletion/setup.js';
import type { MediaCapability } from '../media/setup.js';
import { FlowsService } from './flows/flows.service.js';
import { TamsHousekeeping } from './objects/housekeeping.js';
import { InstancesService } from './objects/instances.service.js';
import { ObjectsService } from './objects/objects.service.js';
import { ProfilesService } from './profiles/profiles.service.js';
import { SegmentsService } from './segments/segments.service.js';
import type { EventStreamMechanism } from './service/service.schemas.js';
import { ServiceInfoService } from './service/service.service.js';
import { SourcesService } from './sources/sources.service.js';
import { TamsStorage } from './storage/backends.js';
import { StorageService } from './storage/storage.service.js';
import { createWebhooks } from './webhooks/setup.js';
import type { WebhooksService } from './webhooks/webhooks.service.js';

export interface TamsCapability {
  service: ServiceInfoService;
  profiles: ProfilesService;
  sources: SourcesService;
  flows: FlowsService;
  segments: SegmentsService;
  /** POST /flows/{id}/storage. */
  storage: StorageService;
  /** The storage backends (store configs) and the default one. */
  backends: TamsStorage;
  objects: ObjectsService;
  /** POST/DELETE /objects/{id}/instances. */
  instances: InstancesService;
  /** Reclaims allocated objects never registered; deletes the bytes of detached object copies. */
  housekeeping: TamsHousekeeping;
  deleteRequests: DeleteRequestsService;
  /** Deletes segments and releases their objects (DELETE of flows and of segments, delete requests). */
  segmentEraser: SegmentEraser;
  webhooks: WebhooksService;
  /** Webhook fan-out and delivery; the delete request worker. */
  workers: BackgroundWorker[];
}

/**
 * How a TAMS client can follow changes: webhooks (the spec's name, which tells clients that
 * /service/webhooks exists), the events feed, and RabbitMQ when configured (never its URL: it
 * may hold credentials).
 */
function eventStreamMechanisms(config: Config): EventStreamMechanism[] {
  const mechanisms: EventStreamMechanism[] = [
    { name: 'webhooks', docs: `${config.publicUrl}/api/docs` },
    {
      name: 'mediastore-event-feed',
      docs: `${config.publicUrl}/api/docs`,
      config: { url: `${config.publicUrl}/api/events?type=tams.*`, event_types: 'tams.flows.*, tams.sources.*' },
    },
  ];
  if (config.amqpUrl) mechanisms.push({ name: 'amqp', config: { exchange: config.amqpExchange, exchange_type: 'topic', routing_keys: 'tams.#' } });
  return mechanisms;
}

/**
 * Presigned GET URLs live a minute longer than the advertised minimum, so a URL read at the
 * end of a response is still valid for `min_presigned_url_timeout`.
 */
const PRESIGN_MARGIN_SECONDS = 60;

export function createTams(
  config: Config,
  db: Db,
  deps: { sequencer: EventSequencer; logger: Logger; media: MediaCapability; finishUpload?: (pid: string) => Promise<boolean> },
): TamsCapability {
  const { media, logger } = deps;
  const sources = new SourcesService(db);
  const backends = new TamsStorage(config.tams.store, media.storeConfigs, media.identifierTypes, media.resolver);
  const presignSeconds = config.tams.minPresignedUrlTimeoutSeconds + PRESIGN_MARGIN_SECONDS;
  // Deleting segments (inline or by delete requests) is the flows' content deletion and the
  // segments' DELETE; the flow row goes when a delete request has emptied it.
  const deletions = createDeleteRequests(config, db, media.deletion, logger, (tx, actor, id) => flows.removeEmptied(tx, actor, id));
  const segments = new SegmentsService(db, backends, deletions.service, { presignSeconds });
  const flows = new FlowsService(db, sources, { ...segments.content, deleteAll: deletions.service.deleteFlowContent });
  media.deletion.guardWith(segments.deletionGuard);
  const instances = new InstancesService(db, backends, media.storeConfigs, logger.child({ component: 'tams-objects' }));
  const housekeeping = new TamsHousekeeping({
    db,
    deletion: media.deletion,
    instances,
    logger: logger.child({ component: 'tams-housekeeping' }),
    reclaimSeconds: config.tams.objectReclaimSeconds,
    pollMs: config.tams.housekeepingIntervalSeconds * 1000,
    ...(deps.finishUpload ? { finishUpload: deps.finishUpload } : {}),
  });
  const webhooks = createWebhooks(config, db, { sequencer: deps.sequencer, logger, shapeSegments: segments.shapeEvent });
  return {
    service: new ServiceInfoService(db, {
      serviceVersion: version,
      minObjectTimeoutSeconds: config.tams.minObjectTimeoutSeconds,
      minPresignedUrlTimeoutSeconds: config.tams.minPresignedUrlTimeoutSeconds,
      eventStreamMechanisms: eventStreamMechanisms(config),
    }),
    profiles: new ProfilesService(db),
    sources,
    flows,
    segments,
    storage: new StorageService(db, backends, media.media, media.storeConfigs, config.tams.minObjectTimeoutSeconds),
    backends,
    objects: new ObjectsService(db, backends, presignSeconds),
    instances,
    housekeeping,
    webhooks: webhooks.service,
    deleteRequests: deletions.service,
    segmentEraser: deletions.eraser,
    workers: [...webhooks.workers, deletions.worker, housekeeping],
  };
}
