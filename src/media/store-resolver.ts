import type { Db } from '../db/client.js';
import type { StoreRegistry } from '../stores/registry.js';
import type { Store, StoreResolver } from '../stores/store.js';
import type { StoreConfigsService } from './store-configs.service.js';

/**
 * Finds stores by store config pk in the database (S3 keys decrypted), so signed local URLs
 * and deletions work after a restart and on every replica. The registry keeps the opened
 * store while its config is unchanged.
 */
export class StoreConfigResolver implements StoreResolver {
  constructor(
    private readonly configs: StoreConfigsService,
    private readonly registry: StoreRegistry,
  ) {}

  /** `tx` finds a store config created by the caller's uncommitted transaction. */
  async storeFor(storeConfigId: string, tx?: Db): Promise<Store | undefined> {
    if (!/^[1-9]\d{0,14}$/.test(storeConfigId)) return undefined;
    const description = await this.configs.describe(Number(storeConfigId), tx);
    return description && this.registry.open(description);
  }
}
