import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/client.js';
import { conflict, isUniqueViolation, notFound } from '../http/errors.js';
import type { S3Connection } from '../stores/s3.js';
import type { Change } from './change.js';
import { recordConfigChange } from './history.service.js';
import * as repo from './s3-configs.repo.js';
import type { S3ConfigCreate, S3ConfigView } from './s3-configs.schemas.js';

const toView = (row: repo.S3ConfigRow): S3ConfigView => ({ pk: row.id, url: row.url });

/**
 * S3 endpoints and their keys. Keys are sealed at rest, bound to the url they were given
 * with, and never returned, logged or put in history or events.
 */
export class S3ConfigsService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<S3ConfigView[]> {
    return (await repo.listS3Configs(this.db)).map(toView);
  }

  async get(pk: number): Promise<S3ConfigView> {
    const row = await repo.findS3Config(this.db, pk);
    if (!row) throw notFound(`S3 config ${pk} not found`);
    return toView(row);
  }

  /** Creating the same url with the same keys again returns the existing config (AMPLIfy's get-or-create). */
  async create(change: Change, input: S3ConfigCreate): Promise<S3ConfigView> {
    return this.db.transaction(async (tx) => {
      const row = await repo.insertS3Config(tx, { ...this.seal(input), actor: change.actor });
      if (!row) {
        const existing = (await repo.findS3ConfigByUrl(tx, input.url))!;
        const same = this.tryOpen(existing);
        if (same?.accessKey === input.access_key && same.secretKey === input.secret_key) return toView(existing);
        throw conflict(`an S3 config for ${input.url} exists (pk ${existing.id}) with other keys; change them with PUT /api/s3cfg/${existing.id}`);
      }
      const view = toView(row);
      await recordConfigChange(tx, change, { resource: 's3_config', id: String(row.id), type: '+', snapshot: view });
      return view;
    });
  }

  async update(change: Change, pk: number, input: S3ConfigCreate): Promise<void> {
    await this.db
      .transaction(async (tx) => {
        const current = await repo.findS3Config(tx, pk, 'update');
        if (!current) throw notFound(`S3 config ${pk} not found`);
        const before = this.tryOpen(current);
        const changed = [
          ...(current.url !== input.url ? ['url'] : []),
          ...(before?.accessKey !== input.access_key ? ['access_key'] : []),
          ...(before?.secretKey !== input.secret_key ? ['secret_key'] : []),
        ];
        if (changed.length === 0) return;
        const row = await repo.updateS3Config(tx, pk, { ...this.seal(input), actor: change.actor });
        await recordConfigChange(tx, change, { resource: 's3_config', id: String(pk), type: '~', snapshot: toView(row), changed });
      })
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? conflict(`an S3 config for ${input.url} exists already`) : err;
      });
  }

  async remove(change: Change, pk: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await repo.findS3Config(tx, pk, 'update');
      if (!current) throw notFound(`S3 config ${pk} not found`);
      const store = await repo.storeUsingS3Config(tx, pk);
      if (store !== undefined) throw conflict(`S3 config ${pk} is used by store config ${store}; delete that first`);
      await repo.deleteS3Config(tx, pk);
      await recordConfigChange(tx, change, { resource: 's3_config', id: String(pk), type: '-', snapshot: toView(current) });
    });
  }

  /** The endpoint and decrypted keys, for opening a BucketStore. */
  open(row: repo.S3ConfigRow): S3Connection {
    const connection = this.tryOpen(row);
    if (!connection) {
      throw conflict(`the keys of S3 config ${row.id} were sealed with another SECRETS_KEY; set them again with PUT /api/s3cfg/${row.id}`);
    }
    return connection;
  }

  private tryOpen(row: repo.S3ConfigRow): S3Connection | undefined {
    try {
      return {
        url: row.url,
        accessKey: this.box.open(row.accessKeySealed, `access_key@${row.url}`),
        secretKey: this.box.open(row.secretKeySealed, `secret_key@${row.url}`),
      };
    } catch {
      return undefined;
    }
  }

  private seal(input: S3ConfigCreate) {
    return {
      url: input.url,
      accessKeySealed: this.box.seal(input.access_key, `access_key@${input.url}`),
      secretKeySealed: this.box.seal(input.secret_key, `secret_key@${input.url}`),
    };
  }
}
