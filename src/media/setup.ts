import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BackgroundWorker } from '../context.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/client.js';
import type { RouteDef } from '../http/routes.js';
import type { StoresCapability } from '../stores/setup.js';
import { deletionRetryWorker, MediaDeletion } from './deletion.js';
import { HistoryService } from './history.service.js';
import { identifierTypesRoutes } from './identifier-types.routes.js';
import { IdentifierTypesService } from './identifier-types.service.js';
import { mediaBulkRoutes } from './media-bulk.routes.js';
import { mediaSearchRoutes } from './media-search.routes.js';
import { MediaSearchService } from './media-search.service.js';
import { mediaRoutes } from './media.routes.js';
import { MediaService } from './media.service.js';
import { s3ConfigsRoutes } from './s3-configs.routes.js';
import { S3ConfigsService } from './s3-configs.service.js';
import { storeConfigsRoutes } from './store-configs.routes.js';
import { StoreConfigsService } from './store-configs.service.js';
import { StoreConfigResolver } from './store-resolver.js';

/** The media capability: identifier types, S3 and store configs, media records, search, history. */
export interface MediaCapability {
  identifierTypes: IdentifierTypesService;
  s3Configs: S3ConfigsService;
  storeConfigs: StoreConfigsService;
  media: MediaService;
  deletion: MediaDeletion;
  search: MediaSearchService;
  history: HistoryService;
  /** Stores by store config pk, from the database (installed as `ctx.stores.resolver`). */
  resolver: StoreConfigResolver;
  workers: BackgroundWorker[];
  logger: Logger;
}

export function createMedia(config: Config, db: Db, stores: StoresCapability, logger: Logger): MediaCapability {
  const log = logger.child({ component: 'media' });
  const identifierTypes = new IdentifierTypesService(db);
  const s3Configs = new S3ConfigsService(db, new SecretBox(config.secretsKey, 's3-config keys'));
  const storeConfigs = new StoreConfigsService(db, s3Configs, config.filesystemStoreRoot);
  const resolver = new StoreConfigResolver(storeConfigs, stores.registry);
  const deletion = new MediaDeletion(db, resolver, log);
  return {
    identifierTypes,
    s3Configs,
    storeConfigs,
    media: new MediaService(db, identifierTypes, storeConfigs),
    deletion,
    search: new MediaSearchService(db),
    history: new HistoryService(db),
    resolver,
    workers: [deletionRetryWorker(deletion, log)],
    logger: log,
  };
}

/** The /api route tables of the capability, in mount order (listing and bulk paths before `/media/*pid`). */
export function mediaRouteTables(m: MediaCapability): RouteDef[] {
  return [
    ...identifierTypesRoutes(m.identifierTypes, m.history),
    ...s3ConfigsRoutes(m.s3Configs, m.history),
    ...storeConfigsRoutes(m.storeConfigs, m.history),
    ...mediaSearchRoutes(m.search),
    ...mediaBulkRoutes(m.media, m.deletion, m.logger),
    ...mediaRoutes(m),
  ];
}
