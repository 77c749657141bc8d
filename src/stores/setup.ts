import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BackgroundWorker } from '../context.js';
import { sweepTempFiles } from './filesystem-sweep.js';
import { MemoryBudget, MemoryBuckets } from './memory.js';
import { StoreRegistry } from './registry.js';
import { UrlSigner } from './signed-url.js';
import type { StoredObject, StoreResolver } from './store.js';

/** What the signed-URL upload endpoint asks the media capability around a PUT. */
export interface SignedUploadHooks {
  /** Before any byte is stored; throw (e.g. 409 "already uploaded") to refuse the upload. */
  beforePut?(storeConfigId: string, key: string): Promise<void>;
  /**
   * After the bytes are stored and checked (e.g. mark the media record READY). When it
   * throws, the object is deleted again and the request fails with its error.
   */
  onStored?(storeConfigId: string, key: string, stored: StoredObject): Promise<void>;
}

export interface StoresCapability {
  registry: StoreRegistry;
  signer: UrlSigner;
  /**
   * How signed URLs find their store. Defaults to the registry (stores opened in this
   * process); the media capability sets a resolver over its store-config table, which also
   * works after a restart and across replicas. Read at request time, so it may be replaced
   * after the app is built.
   */
  resolver: StoreResolver;
  hooks: SignedUploadHooks;
  workers: BackgroundWorker[];
}

/** Stale temp files of interrupted puts are removed when older than this. */
const TEMP_FILE_MAX_AGE_MS = 3_600_000;

export function createStores(config: Config, logger: Logger): StoresCapability {
  const signer = new UrlSigner(config.secretsKey, config.publicUrl);
  const registry = new StoreRegistry({
    filesystemRoot: config.filesystemStoreRoot,
    signer,
    memory: new MemoryBuckets(new MemoryBudget(config.dictStoreMaxBytes)),
    s3ResponseTimeoutMs: config.s3ResponseTimeoutMs,
  });
  return {
    registry,
    signer,
    resolver: registry,
    hooks: {},
    workers: [tempSweepWorker(config.filesystemStoreRoot, logger.child({ component: 'stores' })), registryCloser(registry)],
  };
}

/** Sweeps the FilesystemStore root at start (crash recovery) and hourly (puts whose clean-up failed). */
function tempSweepWorker(root: string, logger: Logger): BackgroundWorker {
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  const run = () => {
    pass = sweepTempFiles(root, TEMP_FILE_MAX_AGE_MS).then(
      ({ removed }) => {
        if (removed.length) logger.info({ removed: removed.length }, 'removed stale temp files of interrupted uploads');
      },
      (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'temp file sweep failed'),
    );
  };
  return {
    name: 'filesystem store temp sweep',
    start() {
      run();
      timer = setInterval(run, TEMP_FILE_MAX_AGE_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}

/** Closes pooled S3 connections at shutdown. */
function registryCloser(registry: StoreRegistry): BackgroundWorker {
  return { name: 'store registry', start() {}, stop: async () => registry.close() };
}
