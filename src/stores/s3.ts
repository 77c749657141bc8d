import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { notFound } from '../http/errors.js';
import { digesting } from './hashing.js';
import { validateKey } from './keys.js';
import { rangeHeader, resolveRange, unsatisfiable } from './ranges.js';
import { bucketMissing, isMissingObject, s3Failure } from './s3-errors.js';
import {
  validateExpiresIn,
  type GetOptions,
  type ObjectInfo,
  type ObjectStream,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type PutOptions,
  type Store,
  type StoredObject,
} from './store.js';

/** Where an S3-compatible service is and how to sign for it (an S3 config, decrypted). */
export interface S3Connection {
  url: string;
  accessKey: string;
  secretKey: string;
  /** Defaults to us-east-1, which S3-compatible services accept. */
  region?: string;
  /** Defaults to true: `http://host/bucket/key`, which every S3-compatible service understands. */
  forcePathStyle?: boolean;
}

export interface S3ClientOptions {
  /**
   * How long a request may wait for the response to begin, its body sent (default 30 s). An
   * endpoint that accepts connections and never answers would otherwise hold the request, and
   * the client's, forever. The response body is not limited: downloads may be paused for a long
   * time by a slow client.
   */
  responseTimeoutMs?: number | undefined;
}

export function createS3Client(connection: S3Connection, options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    endpoint: connection.url,
    region: connection.region ?? 'us-east-1',
    credentials: { accessKeyId: connection.accessKey, secretAccessKey: connection.secretKey },
    forcePathStyle: connection.forcePathStyle ?? true,
    // The newer default CRC checksums are unknown to many S3-compatible services (s3rver, older
    // MinIO/Ceph); we verify SHA-256 and MD5 ourselves.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Fail fast on an unreachable endpoint, and on one that never answers: smithy's requestTimeout
    // runs until the response headers arrive (then it is cleared), so it does not cut downloads.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: options.responseTimeoutMs ?? 30_000, throwOnRequestTimeout: true },
  });
}

/** The endpoint as shown in messages: no user info, no query. */
export function displayEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

const MIN_PART_SIZE = 8 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** Parts uploaded in parallel; memory held is about (queue + 1) × part size. */
const QUEUE_SIZE = 4;

export class BucketStore implements Store {
  readonly type = 'BucketStore';

  constructor(
    readonly bucket: string,
    private readonly client: S3Client,
    private readonly endpoint: string,
  ) {}

  describe(): string {
    return `BucketStore "${this.bucket}" at ${displayEndpoint(this.endpoint)}`;
  }

  async verify(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw isMissingObject(err) ? bucketMissing(this.describe(), this.bucket) : this.failure(err);
    }
  }

  /**
   * Small objects go up in one PutObject, large ones as a multipart upload (lib-storage).
   * Either way S3 makes the object visible only at the last request, which is sent only
   * after the digest stream has checked the bytes; on failure the multipart upload is
   * aborted, so nothing appears under the key.
   */
  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    validateKey(key);
    const digest = digesting(body, options);
    // The first failure wins: a bad checksum or a broken source, not what S3 said afterwards.
    let cause: unknown;
    digest.on('error', (err) => {
      cause ??= err;
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: digest, ...(options.contentType ? { ContentType: options.contentType } : {}) },
      partSize: partSizeFor(options.expected?.size ?? options.maxBytes),
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    let etag: string | undefined;
    try {
      etag = (await upload.done()).ETag;
    } catch (err) {
      digest.destroy();
      throw cause ?? this.failure(err);
    }
    return {
      ...digest.digests,
      ...(etag ? { etag: etag.replace(/"/g, '') } : {}),
      ...(options.contentType ? { contentType: options.contentType } : {}),
    };
  }

  async get(key: string, options: GetOptions = {}): Promise<ObjectStream> {
    validateKey(key);
    const what = `object "${key}" in ${this.describe()}`;
    let range = options.range;
    // Not every S3-compatible service understands suffix ranges; an explicit one works everywhere.
    if (range && 'suffix' in range) {
      const info = await this.head(key);
      if (!info) throw notFound(`${what} not found`);
      range = resolveRange(range, info.size, what);
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: rangeHeader(range) } : {}) }),
      );
      const served = parseContentRange(out.ContentRange);
      const length = out.ContentLength ?? 0;
      return {
        body: out.Body as Readable,
        size: served?.size ?? length,
        length,
        ...(served ? { range: { start: served.start, end: served.end } } : {}),
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ETag ? { etag: out.ETag.replace(/"/g, '') } : {}),
      };
    } catch (err) {
      if ((err as { name?: unknown }).name === 'InvalidRange') {
        const info = await this.head(key);
        throw info ? unsatisfiable(info.size, what) : notFound(`${what} not found`);
      }
      if (isMissingObject(err)) throw notFound(`${what} not found`);
      throw this.failure(err);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ETag ? { etag: out.ETag.replace(/"/g, '') } : {}),
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      };
    } catch (err) {
      if (!isMissingObject(err)) throw this.failure(err);
      // A HEAD 404 does not say whether the key or the bucket is missing.
      await this.verify();
      return undefined;
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.failure(err);
    }
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    validateKey(key);
    validateExpiresIn(options.expiresInSeconds);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ...(options.contentType ? { ContentType: options.contentType } : {}) });
    const url = await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
    const headers: Record<string, string> = options.contentType ? { 'Content-Type': options.contentType } : {};
    return { method: 'PUT', url, headers, expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000) };
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest> {
    validateKey(key);
    validateExpiresIn(options.expiresInSeconds);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    const url = await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
    return { method: 'GET', url, headers: {}, expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000) };
  }

  private failure(err: unknown): unknown {
    return s3Failure(err, this.describe(), this.bucket);
  }
}

/** Big enough that an object of `size` bytes fits in S3's 10,000 parts; unknown sizes get the minimum (up to ~78 GiB). */
function partSizeFor(size: number | undefined): number {
  if (size === undefined) return MIN_PART_SIZE;
  return Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
}

function parseContentRange(header: string | undefined): { start: number; end: number; size: number } | undefined {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header) : null;
  return m ? { start: Number(m[1]), end: Number(m[2]), size: Number(m[3]) } : undefined;
}
