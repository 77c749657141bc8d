import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, conflict, insufficientStorage, notFound, unprocessable } from '../http/errors.js';
import { digesting } from './hashing.js';
import { TEMP_PREFIX, validateKey } from './keys.js';
import { resolveRange } from './ranges.js';
import type { SignedUrlIssuer } from './signed-url.js';
import type { GetOptions, ObjectInfo, ObjectStream, PresignGetOptions, PresignPutOptions, PutOptions, Store, StoredObject } from './store.js';

/**
 * Objects as files under FILESYSTEM_STORE_ROOT/<bucket>/<key>. A put writes a hidden temp
 * file beside the final one, fsyncs it, renames it over the key and fsyncs the directory, so
 * after a crash the key holds either the old object or the complete new one; stray temp
 * files are removed by `sweepTempFiles`.
 */
export class FilesystemStore implements Store {
  readonly type = 'FilesystemStore';
  readonly dir: string;

  constructor(
    readonly bucket: string,
    root: string,
    private readonly urls: SignedUrlIssuer,
  ) {
    this.dir = resolveBucketDir(root, bucket);
  }

  describe(): string {
    return `FilesystemStore "${this.bucket}"`;
  }

  async verify(): Promise<void> {
    await mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      throw this.failure(err);
    });
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    const digest = digesting(body, options);
    const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${randomUUID()}`);
    let file: FileHandle | undefined;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      file = await open(temp, 'wx', 0o644);
      const sink = file;
      await pipeline(digest, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) await writeAll(sink, chunk);
      });
      await file.sync();
      await file.close();
      file = undefined;
      await rename(temp, target);
      await syncDirectory(path.dirname(target));
    } catch (err) {
      digest.destroy();
      await file?.close().catch(() => undefined);
      // A temp file that cannot be removed now is left to the sweep; the put's own error matters.
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.failure(err, key);
    }
    return { ...digest.digests, ...(options.contentType ? { contentType: options.contentType } : {}) };
  }

  async get(key: string, options: GetOptions = {}): Promise<ObjectStream> {
    const file = await open(this.pathOf(key), 'r').catch((err: unknown) => {
      throw isMissing(err) ? this.missing(key) : this.failure(err, key);
    });
    try {
      // Size and bytes come from the same open file, so a concurrent put cannot mix objects.
      const info = await file.stat();
      if (!info.isFile()) throw this.missing(key);
      const range = options.range ? resolveRange(options.range, info.size, `object "${key}" in ${this.describe()}`) : undefined;
      // An empty file has no byte 0 to start at; an ordinary stream of it ends at once.
      const body = file.createReadStream(range ?? {});
      return { body, size: info.size, length: range ? range.end - range.start + 1 : info.size, ...(range ? { range } : {}) };
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, lastModified: info.mtime } : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.failure(err, key);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      if ((await stat(file)).isFile()) await rm(file, { force: true });
    } catch (err) {
      if (!isMissing(err)) throw this.failure(err, key);
    }
  }

  async presignPut(key: string, options: PresignPutOptions) {
    validateKey(key);
    return this.urls.presignPut(key, options);
  }

  async presignGet(key: string, options: PresignGetOptions) {
    validateKey(key);
    return this.urls.presignGet(key, options);
  }

  private pathOf(key: string): string {
    validateKey(key);
    return path.join(this.dir, ...key.split('/'));
  }

  private missing(key: string): ApiError {
    return notFound(`object "${key}" not found in ${this.describe()}`);
  }

  private failure(err: unknown, key?: string): unknown {
    if (err instanceof ApiError) return err;
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return insufficientStorage(`${this.describe()}: no space left on the device`);
    if (key !== undefined && (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR')) {
      return conflict(`key "${key}" clashes with another object's path in ${this.describe()} (one key is a prefix directory of the other)`);
    }
    return err;
  }
}

/**
 * The directory of a bucket under `root`. AMPLIfy clients send absolute paths such as
 * `/demobucket` or `/tmp/x/y`: they are taken relative to the root, never as host paths.
 * Only a bucket that would leave the root (`..`) or name the root itself is refused.
 */
export function resolveBucketDir(root: string, bucket: string): string {
  const refuse = (why: string) => unprocessable(`invalid FilesystemStore bucket ${JSON.stringify(bucket)}: ${why}`);
  if (typeof bucket !== 'string' || bucket.trim() === '') throw refuse('must not be empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(bucket)) throw refuse('contains a control character');
  const segments = bucket.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse('".." would leave FILESYSTEM_STORE_ROOT');
  if (segments.some((s) => s.startsWith(TEMP_PREFIX))) throw refuse(`segments starting with "${TEMP_PREFIX}" are reserved`);
  if (segments.length === 0) throw refuse('must name a directory below FILESYSTEM_STORE_ROOT');
  const base = path.resolve(root);
  const dir = path.join(base, ...segments);
  if (!dir.startsWith(base + path.sep)) throw refuse('would leave FILESYSTEM_STORE_ROOT');
  return dir;
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await file.write(chunk, offset);
    offset += bytesWritten;
  }
}

/** Makes a rename durable: the directory entry is on disk, not only the file's data. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes(String((err as { code?: unknown }).code));
