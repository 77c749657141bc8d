import { z } from 'zod';
import { QueryBoolean, QueryValueList, UUID_PATTERN } from '../http/query.js';
import type { Store } from '../../stores/store.js';
import type { StorageBackend, TamsStorage } from '../storage/backends.js';
import type { UncontrolledUrl } from './segments.tables.js';

/**
 * `get_urls` of objects (GET segments, GET /objects/{id}, segment webhook events): the
 * controlled URL of the store holding the bytes (a presigned S3 GET or a signed local URL, so
 * no credentials are needed), then those of its controlled copies in other backends, then the
 * uncontrolled URLs (registered with segments or as instances), filtered as the spec's URL
 * parameters say.
 */

/** The spec's URL filters as query parameters (shared by segments and objects). */
export const UrlQuery = {
  verbose_storage: QueryBoolean.optional().meta({ description: 'Include the storage backend fields in each get_urls item' }),
  accept_get_urls: z
    .string()
    .regex(/^([^,]+(,[^,]+)*)?$/, 'must be a comma-separated list of labels, or empty')
    .transform((v) => (v === '' ? [] : v.split(',')))
    .optional()
    .meta({ type: 'string', description: 'Only URLs with these labels; empty: no get_urls at all' }),
  accept_storage_ids: z
    .string()
    .refine((v) => v === '' || v.split(',').every((id) => UUID_PATTERN.test(id)), 'must be a comma-separated list of storage backend ids')
    .transform((v) => (v === '' ? [] : v.split(',')))
    .optional()
    .meta({ type: 'string', description: 'Only URLs of these storage backends (empty: no filter)' }),
  presigned: QueryBoolean.optional().meta({ description: 'true: only presigned URLs; false: only the others' }),
  'storage_backend_tag.{name}': QueryValueList.optional().meta({ description: 'Only URLs of storage backends whose tag {name} has one of these values' }),
  'storage_backend_tag_exists.{name}': QueryBoolean.optional().meta({ description: 'Only URLs of storage backends with (true) or without (false) the tag {name}' }),
};

export interface UrlOptions {
  verbose_storage?: boolean | undefined;
  accept_get_urls?: string[] | undefined;
  accept_storage_ids?: string[] | undefined;
  presigned?: boolean | undefined;
  'storage_backend_tag.{name}'?: [string, string[]][];
  'storage_backend_tag_exists.{name}'?: [string, boolean][];
}

/** A controlled copy of an object in another backend (`tams_object_instances`), as the repo's `copies` column gives it. */
export interface ObjectCopy {
  store_config_id: number | string;
  store_key: string;
}

/** Where an object's bytes are. */
export interface ObjectLocation {
  storeConfigId: number;
  storeKey: string;
  contentType: string | null;
  /** Controlled copies besides the record's own location (POST /objects/{id}/instances). */
  copies?: ObjectCopy[] | undefined;
  uncontrolled: UncontrolledUrl[];
}

export type GetUrl = Record<string, unknown> & { url: string };

/** Backend tags: the stores expose none, so a tag filter matches only `tag_exists=false`. */
function backendMatches(backend: StorageBackend | undefined, o: UrlOptions): boolean {
  if ((o['storage_backend_tag.{name}'] ?? []).length) return false;
  if ((o['storage_backend_tag_exists.{name}'] ?? []).some(([, exists]) => exists)) return false;
  return backend !== undefined || !(o['storage_backend_tag_exists.{name}'] ?? []).length;
}

/** Builds get_urls for many objects, opening each store and describing each backend once. */
export class GetUrlBuilder {
  readonly #backends = new Map<number, Promise<StorageBackend>>();
  readonly #stores = new Map<number, Promise<Store>>();

  constructor(
    private readonly storage: TamsStorage,
    private readonly presignSeconds: number,
    private readonly options: UrlOptions,
  ) {}

  /** True when no URL can pass the filters (`accept_get_urls=`): nothing to presign. */
  get none(): boolean {
    return this.options.accept_get_urls?.length === 0;
  }

  async urls(location: ObjectLocation): Promise<GetUrl[]> {
    const o = this.options;
    if (this.none) return [];
    const out: GetUrl[] = [];
    const labelOk = (label: string) => o.accept_get_urls === undefined || o.accept_get_urls.includes(label);
    const storageOk = (id: string | undefined) => !o.accept_storage_ids?.length || (id !== undefined && o.accept_storage_ids.includes(id));
    const controlled = [{ pk: location.storeConfigId, key: location.storeKey }, ...(location.copies ?? []).map((c) => ({ pk: Number(c.store_config_id), key: c.store_key }))];
    for (const { pk, key } of controlled) {
      const backend = await this.backend(pk);
      if (!(labelOk(backend.label) && storageOk(backend.id) && o.presigned !== false && backendMatches(backend, o))) continue;
      const store = await this.store(pk);
      const signed = await store.presignGet(key, {
        expiresInSeconds: this.presignSeconds,
        ...(location.contentType ? { contentType: location.contentType } : {}),
      });
      const verbose = o.verbose_storage ? { store_type: backend.store_type, provider: backend.provider, store_product: backend.store_product } : {};
      out.push({ url: signed.url, presigned: true, label: backend.label, storage_id: backend.id, controlled: true, ...verbose });
    }
    for (const u of location.uncontrolled) {
      if (labelOk(u.label) && storageOk(undefined) && o.presigned !== true && backendMatches(undefined, o)) {
        out.push({ url: u.url, label: u.label, controlled: false });
      }
    }
    return out;
  }

  private store(pk: number): Promise<Store> {
    let found = this.#stores.get(pk);
    if (!found) this.#stores.set(pk, (found = this.storage.store(pk)));
    return found;
  }

  private backend(pk: number): Promise<StorageBackend> {
    let found = this.#backends.get(pk);
    if (!found) this.#backends.set(pk, (found = this.storage.describe(pk)));
    return found;
  }
}
