import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ValidationError, type ValidationIssue } from '../http/errors.js';
import { FilesystemStore } from './filesystem.js';
import { DictStore, type MemoryBuckets } from './memory.js';
import { BucketStore, createS3Client, type S3Connection } from './s3.js';
import type { UrlSigner } from './signed-url.js';
import type { Store, StoreResolver, StoreType } from './store.js';

/** A store config as the media capability holds it, with the S3 config's keys decrypted. */
export interface StoreDescription {
  /** The store config's id; signed URLs name it. */
  id: string;
  type: StoreType;
  bucket: string;
  /** Required for BucketStore. */
  s3?: S3Connection;
}

export interface StoreRegistryOptions {
  filesystemRoot: string;
  signer: UrlSigner;
  memory: MemoryBuckets;
  /** See createS3Client. */
  s3ResponseTimeoutMs?: number;
}

const STORE_TYPES: readonly StoreType[] = ['BucketStore', 'FilesystemStore', 'DictStore'];

/**
 * Builds `Store`s from store configs and keeps them, one per config id (rebuilt when the
 * config changes), with one S3 client per endpoint and key pair so connections are reused.
 * As a `StoreResolver` it knows only the stores opened in this process; the media capability
 * resolves ids from its table instead.
 */
export class StoreRegistry implements StoreResolver {
  readonly #stores = new Map<string, { fingerprint: string; store: Store }>();
  readonly #clients = new Map<string, S3Client>();

  constructor(private readonly options: StoreRegistryOptions) {}

  /** The store for a config; 422 naming the field when the description cannot make one. */
  open(description: StoreDescription): Store {
    validateDescription(description);
    const fingerprint = fingerprintOf(description);
    const cached = this.#stores.get(description.id);
    if (cached?.fingerprint === fingerprint) return cached.store;
    const store = this.build(description);
    this.#stores.set(description.id, { fingerprint, store });
    return store;
  }

  async storeFor(storeConfigId: string): Promise<Store | undefined> {
    return this.#stores.get(storeConfigId)?.store;
  }

  /** Closes the S3 clients' connections. */
  close(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
    this.#stores.clear();
  }

  private build(d: StoreDescription): Store {
    const urls = this.options.signer.forStore(d.id);
    switch (d.type) {
      case 'FilesystemStore':
        return new FilesystemStore(d.bucket, this.options.filesystemRoot, urls);
      case 'DictStore':
        return new DictStore(d.bucket, this.options.memory, urls);
      case 'BucketStore':
        return new BucketStore(d.bucket, this.clientFor(d.s3!), d.s3!.url);
    }
  }

  private clientFor(connection: S3Connection): S3Client {
    const key = digest([connection.url, connection.accessKey, connection.secretKey, connection.region, connection.forcePathStyle]);
    let client = this.#clients.get(key);
    if (!client) this.#clients.set(key, (client = createS3Client(connection, { responseTimeoutMs: this.options.s3ResponseTimeoutMs })));
    return client;
  }
}

function validateDescription(d: StoreDescription): void {
  const issues: ValidationIssue[] = [];
  const issue = (loc: string[], msg: string) => issues.push({ loc, msg, type: 'value_error' });
  if (!STORE_TYPES.includes(d.type)) issue(['type'], `must be one of ${STORE_TYPES.join(', ')}`);
  if (typeof d.bucket !== 'string' || d.bucket.trim() === '') issue(['bucket'], 'must not be empty');
  if (d.type === 'BucketStore') {
    if (typeof d.bucket === 'string' && d.bucket.includes('/')) issue(['bucket'], 'an S3 bucket name cannot contain "/"');
    if (!d.s3) issue(['s3'], 'a BucketStore needs an S3 config');
    else if (!/^https?:$/.test(URL.canParse(d.s3.url) ? new URL(d.s3.url).protocol : '')) issue(['s3', 'url'], 'must be an http(s) URL');
  }
  if (issues.length) throw new ValidationError(issues);
}

// Hashed so that secret keys never sit in a map key or a log line.
const digest = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

function fingerprintOf(d: StoreDescription): string {
  const s3 = d.s3;
  return digest([d.type, d.bucket, s3?.url, s3?.accessKey, s3?.secretKey, s3?.region, s3?.forcePathStyle]);
}
