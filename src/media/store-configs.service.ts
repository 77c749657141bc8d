import path from 'node:path';
import type { Db } from '../db/client.js';
import { ApiError, conflict, notFound, ValidationError, type ValidationIssue } from '../http/errors.js';
import { resolveBucketDir } from '../stores/filesystem.js';
import type { StoreDescription } from '../stores/registry.js';
import type { Change } from './change.js';
import { recordConfigChange } from './history.service.js';
import * as s3repo from './s3-configs.repo.js';
import type { S3ConfigsService } from './s3-configs.service.js';
import type { StoreConfigCreate, StoreConfigView } from './store-configs.schemas.js';
import * as repo from './store-configs.repo.js';

export const toStoreView = (row: repo.StoreViewRow): StoreConfigView => ({ pk: row.id, type: row.type, bucket: row.bucket, s3_url: row.s3Url });

/**
 * Store configs: where media bytes live. Get-or-create semantics: the same store (type,
 * bucket in canonical form, S3 config) is always the same pk.
 */
export class StoreConfigsService {
  constructor(
    private readonly db: Db,
    private readonly s3: S3ConfigsService,
    private readonly filesystemRoot: string,
  ) {}

  async list(): Promise<StoreConfigView[]> {
    return (await repo.listStoreConfigs(this.db)).map(toStoreView);
  }

  async get(pk: number): Promise<StoreConfigView> {
    const row = await repo.findStoreConfig(this.db, pk);
    if (!row) throw notFound(`store config ${pk} not found`);
    return toStoreView(row);
  }

  async create(change: Change, input: StoreConfigCreate): Promise<StoreConfigView> {
    return this.db.transaction((tx) => this.getOrCreate(tx, change, input, ['body']));
  }

  /**
   * The store config for `input`, created (with its history row and event) when new, and
   * share-locked until the transaction ends. `loc` is where `input` sits in the request, for
   * error messages.
   */
  async getOrCreate(tx: Db, change: Change, input: StoreConfigCreate, loc: (string | number)[]): Promise<StoreConfigView> {
    const identity = await this.identityOf(tx, input, loc);
    const existing = await repo.findStoreByIdentity(tx, identity);
    if (existing) return toStoreView({ ...existing, s3Url: input.s3_url ?? '' });
    const created = await repo.insertStoreConfig(tx, { ...identity, bucket: input.bucket, createdBy: change.actor });
    if (!created) return toStoreView({ ...(await repo.findStoreByIdentity(tx, identity))!, s3Url: input.s3_url ?? '' });
    const view = toStoreView({ ...created, s3Url: input.s3_url ?? '' });
    await recordConfigChange(tx, change, { resource: 'store_config', id: String(created.id), type: '+', snapshot: view });
    return view;
  }

  /** An existing store config by pk, share-locked until the transaction ends. */
  async existing(tx: Db, pk: number): Promise<StoreConfigView | undefined> {
    const row = await repo.findStoreConfig(tx, pk, 'key share');
    return row && toStoreView(row);
  }

  async remove(change: Change, pk: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await repo.lockStoreConfig(tx, pk))) throw notFound(`store config ${pk} not found`);
      const user = await repo.mediaUsingStore(tx, pk);
      if (user !== undefined) throw conflict(`store config ${pk} is used by media (e.g. ${user}); it cannot be deleted`);
      const view = toStoreView((await repo.findStoreConfig(tx, pk))!);
      await repo.deleteStoreConfig(tx, pk);
      await recordConfigChange(tx, change, { resource: 'store_config', id: String(pk), type: '-', snapshot: view });
    });
  }

  /** What the store registry needs to open the store of config `pk` (S3 keys decrypted). */
  async describe(pk: number, db: Db = this.db): Promise<StoreDescription | undefined> {
    const found = await repo.findStoreWithS3(db, pk);
    if (!found) return undefined;
    const { store, s3 } = found;
    return { id: String(store.id), type: store.type, bucket: store.location, ...(s3 ? { s3: this.s3.open(s3) } : {}) };
  }

  private async identityOf(tx: Db, input: StoreConfigCreate, loc: (string | number)[]) {
    const issues: ValidationIssue[] = [];
    const issue = (field: string, msg: string) => issues.push({ loc: [...loc, field], msg, type: 'value_error' });
    const s3Url = input.s3_url ?? '';
    let s3ConfigId: number | null = null;
    if (input.type === 'BucketStore') {
      if (s3Url === '') issue('s3_url', 'a BucketStore needs the url of an S3 config');
      else {
        const s3 = await s3repo.findS3ConfigByUrl(tx, s3Url);
        if (s3) s3ConfigId = s3.id;
        else issue('s3_url', `no S3 config with url "${s3Url}"; create the S3 config first (POST /api/s3cfg)`);
      }
    } else if (s3Url !== '') {
      issue('s3_url', `only a BucketStore may have an s3_url, not a ${input.type}`);
    }
    const location = this.locationOf(input, (msg) => issue('bucket', msg));
    if (issues.length) throw new ValidationError(issues);
    return { type: input.type, location: location!, s3ConfigId };
  }

  /** The bucket in canonical form: what makes two configs the same store. */
  private locationOf(input: StoreConfigCreate, refuse: (msg: string) => void): string | undefined {
    switch (input.type) {
      case 'FilesystemStore':
        try {
          const dir = resolveBucketDir(this.filesystemRoot, input.bucket);
          return path.relative(path.resolve(this.filesystemRoot), dir).split(path.sep).join('/');
        } catch (err) {
          if (err instanceof ApiError) return void refuse(err.message);
          throw err;
        }
      case 'BucketStore': {
        const name = input.bucket.replace(/^\/+|\/+$/g, '');
        if (name === '' || name.includes('/')) return void refuse('an S3 bucket name must not be empty or contain "/"');
        return name;
      }
      case 'DictStore':
        return input.bucket;
    }
  }
}
