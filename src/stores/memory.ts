import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { insufficientStorage, notFound } from '../http/errors.js';
import { digesting } from './hashing.js';
import { validateKey } from './keys.js';
import { resolveRange } from './ranges.js';
import type { SignedUrlIssuer } from './signed-url.js';
import type { GetOptions, ObjectInfo, ObjectStream, PresignGetOptions, PresignPutOptions, PutOptions, Store, StoredObject } from './store.js';

/**
 * DictStore: objects in this process's memory. EPHEMERAL and PER PROCESS: a restart loses
 * every object, and replicas do not see each other's. Meant for tests, demos and scratch
 * data. All DictStore buckets share one byte budget (DICT_STORE_MAX_BYTES).
 */

/** The bytes all DictStore buckets may hold together; reserved as bytes arrive. */
export class MemoryBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  reserve(bytes: number, who: string): void {
    if (this.#used + bytes > this.limit) {
      throw insufficientStorage(
        `${who} is full: the in-memory stores may hold ${this.limit} bytes in all (DICT_STORE_MAX_BYTES), ` +
          `${this.#used} are in use; delete objects or use another store`,
      );
    }
    this.#used += bytes;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

interface MemoryObject extends StoredObject {
  chunks: Buffer[];
  lastModified: Date;
}

/** Every DictStore bucket of the process, and their shared budget. */
export class MemoryBuckets {
  readonly #buckets = new Map<string, Map<string, MemoryObject>>();

  constructor(readonly budget: MemoryBudget) {}

  bucket(name: string): Map<string, MemoryObject> {
    let objects = this.#buckets.get(name);
    if (!objects) this.#buckets.set(name, (objects = new Map()));
    return objects;
  }
}

export class DictStore implements Store {
  readonly type = 'DictStore';

  constructor(
    readonly bucket: string,
    private readonly memory: MemoryBuckets,
    private readonly urls: SignedUrlIssuer,
  ) {}

  describe(): string {
    return `DictStore "${this.bucket}"`;
  }

  async verify(): Promise<void> {}

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    validateKey(key);
    const { budget } = this.memory;
    const digest = digesting(body, options);
    const chunks: Buffer[] = [];
    let reserved = 0;
    try {
      await pipeline(digest, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          budget.reserve(chunk.length, this.describe());
          reserved += chunk.length;
          chunks.push(ownBytes(chunk));
        }
      });
    } catch (err) {
      budget.release(reserved);
      throw err;
    }
    const stored: StoredObject = { ...digest.digests, etag: digest.digests.md5, ...(options.contentType ? { contentType: options.contentType } : {}) };
    const objects = this.memory.bucket(this.bucket);
    const previous = objects.get(key);
    objects.set(key, { ...stored, chunks, lastModified: new Date() });
    if (previous) budget.release(previous.size);
    return stored;
  }

  async get(key: string, options: GetOptions = {}): Promise<ObjectStream> {
    const object = this.find(key);
    if (!object) throw notFound(`object "${key}" not found in ${this.describe()}`);
    const range = options.range ? resolveRange(options.range, object.size, `object "${key}" in ${this.describe()}`) : undefined;
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : object.size;
    return {
      body: Readable.from(slices(object.chunks, start, end), { objectMode: false }),
      size: object.size,
      length: end - start,
      ...(range ? { range } : {}),
      ...(object.contentType ? { contentType: object.contentType } : {}),
      etag: object.md5,
    };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = this.find(key);
    if (!object) return undefined;
    const { size, contentType, sha256, md5, lastModified } = object;
    return { size, sha256, md5, etag: md5, lastModified, ...(contentType ? { contentType } : {}) };
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const objects = this.memory.bucket(this.bucket);
    const object = objects.get(key);
    if (!object) return;
    objects.delete(key);
    this.memory.budget.release(object.size);
  }

  async presignPut(key: string, options: PresignPutOptions) {
    validateKey(key);
    return this.urls.presignPut(key, options);
  }

  async presignGet(key: string, options: PresignGetOptions) {
    validateKey(key);
    return this.urls.presignGet(key, options);
  }

  private find(key: string): MemoryObject | undefined {
    validateKey(key);
    return this.memory.bucket(this.bucket).get(key);
  }
}

/** The bytes [start, end) of the concatenated chunks, without copying them. */
function* slices(chunks: Buffer[], start: number, end: number): Generator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const from = Math.max(start - offset, 0);
    const to = Math.min(end - offset, chunk.length);
    if (from < to) yield chunk.subarray(from, to);
    offset += chunk.length;
    if (offset >= end) return;
  }
}

/**
 * A chunk that is a view into a larger buffer (a pooled slab, a socket read) would keep the
 * whole of it alive and make the budget lie; such chunks are copied to exact-size buffers.
 */
function ownBytes(chunk: Buffer): Buffer {
  if (chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) return chunk;
  const own = Buffer.allocUnsafeSlow(chunk.length);
  chunk.copy(own);
  return own;
}
