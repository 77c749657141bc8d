import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import { ApiError, badRequest } from '../../http/errors.js';
import type { Change } from '../../media/change.js';
import type { IdentifierTypesService } from '../../media/identifier-types.service.js';
import type { StoreConfigView } from '../../media/store-configs.schemas.js';
import type { StoreConfigsService } from '../../media/store-configs.service.js';
import type { Store, StoreResolver } from '../../stores/store.js';

/** pid_type of media records that TAMS created as objects (only those are deleted with their last segment). */
export const TAMS_OBJECT_PID_TYPE = 'tams_object';

/** Who creates the default store config and the identifier type. */
const SYSTEM: Change = { actor: 'tams', reason: 'TAMS default storage' };

/** storage-backend.json plus the list's id, label and default_storage. */
export interface StorageBackend {
  id: string;
  label: string;
  store_type: 'http_object_store';
  provider: string;
  store_product: string;
  default_storage: boolean;
  /** The store config behind it (not sent). */
  pk: number;
}

/**
 * A storage backend's id: a name-based UUID (version 5 layout) of the store config pk, so every
 * replica derives the same id without storing one, and ids are what uuid.json accepts.
 */
export function storageIdOf(pk: number): string {
  const h = createHash('sha1').update(`mediastore store config ${pk}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function describeBackend(view: StoreConfigView, defaultPk: number): StorageBackend {
  const common = { id: storageIdOf(view.pk), store_type: 'http_object_store' as const, default_storage: view.pk === defaultPk, pk: view.pk };
  switch (view.type) {
    case 'BucketStore':
      return { ...common, label: `s3:${view.bucket}`, provider: view.s3_url, store_product: 'S3-compatible object store' };
    case 'FilesystemStore':
      return { ...common, label: `filesystem:${view.bucket}`, provider: 'mediastore', store_product: 'FilesystemStore (signed URLs served by mediastore)' };
    default:
      return { ...common, label: `memory:${view.bucket}`, provider: 'mediastore', store_product: 'DictStore (in memory, ephemeral)' };
  }
}

/**
 * The storage backends TAMS exposes: every store config (objects registered from existing
 * media records may live in any of them), the configured TAMS store being the default. The
 * default store config and the `tams_object` identifier type are created at first use.
 */
export class TamsStorage {
  #defaultPk: Promise<number> | undefined;

  constructor(
    private readonly config: Config['tams']['store'],
    private readonly storeConfigs: StoreConfigsService,
    private readonly identifierTypes: IdentifierTypesService,
    private readonly resolver: StoreResolver,
  ) {}

  /** The default store config's pk (and the identifier type), ensured once per process. */
  defaultPk(): Promise<number> {
    this.#defaultPk ??= this.ensureDefault().catch((err: unknown) => {
      this.#defaultPk = undefined;
      throw err;
    });
    return this.#defaultPk;
  }

  async list(): Promise<StorageBackend[]> {
    const defaultPk = await this.defaultPk();
    return (await this.storeConfigs.list()).map((v) => describeBackend(v, defaultPk));
  }

  async describe(pk: number): Promise<StorageBackend> {
    return describeBackend(await this.storeConfigs.get(pk), await this.defaultPk());
  }

  /** The backend a `storage_id` names (400 when none does), or the default. */
  async backend(storageId: string | undefined): Promise<StorageBackend> {
    const backends = await this.list();
    const found = storageId === undefined ? backends.find((b) => b.default_storage) : backends.find((b) => b.id === storageId);
    if (!found) throw badRequest(`storage_id: no storage backend ${storageId}; GET /service/storage-backends lists them`);
    return found;
  }

  async store(pk: number): Promise<Store> {
    const store = await this.resolver.storeFor(String(pk));
    if (!store) throw new ApiError(500, `store config ${pk} cannot be opened`);
    return store;
  }

  private async ensureDefault(): Promise<number> {
    try {
      await this.identifierTypes.create(SYSTEM, { name: TAMS_OBJECT_PID_TYPE, pattern: '' });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
    }
    const { type, bucket, s3Url } = this.config;
    const view = await this.storeConfigs.create(SYSTEM, { type, bucket, s3_url: s3Url ?? null });
    return view.pk;
  }
}
