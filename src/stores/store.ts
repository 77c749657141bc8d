import type { Readable } from 'node:stream';
import { unprocessable } from '../http/errors.js';

/**
 * The one interface every byte store implements. Bytes always move as streams, in constant
 * memory; errors are `ApiError`s that name the store (see docs/stores.md for the mapping).
 */

export type StoreType = 'BucketStore' | 'FilesystemStore' | 'DictStore';

/** Checksums a client promised, as hex or base64 (`parseChecksum` validates client input first). */
export interface ExpectedChecksums {
  sha256?: string;
  md5?: string;
  size?: number;
}

export interface PutOptions {
  contentType?: string;
  /** A mismatch fails the put with 422 (`ChecksumMismatchError`) and nothing is kept. */
  expected?: ExpectedChecksums;
  /** More bytes than this fails the put with 413 as soon as the limit is crossed. */
  maxBytes?: number;
}

/** What a successful put stored, measured while the bytes streamed in. */
export interface StoredObject {
  size: number;
  /** Lowercase hex. */
  sha256: string;
  /** Lowercase hex. */
  md5: string;
  etag?: string;
  contentType?: string;
}

/**
 * A byte range as HTTP expresses it: `end` is inclusive and optional (to the end of the
 * object); `suffix` asks for the last n bytes.
 */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface GetOptions {
  range?: ByteRange;
}

export interface ObjectStream {
  body: Readable;
  /** Size of the whole object. */
  size: number;
  /** Bytes `body` will deliver (the range's length, or `size`). */
  length: number;
  /** The resolved range (inclusive bounds) when one was asked for. */
  range?: { start: number; end: number };
  contentType?: string;
  etag?: string;
}

/** What a store knows about an object without reading it; cheap on every backend. */
export interface ObjectInfo {
  size: number;
  contentType?: string;
  etag?: string;
  lastModified?: Date;
  /** Known only where the backend keeps them (DictStore); the media record is the reference. */
  sha256?: string;
  md5?: string;
}

export interface PresignPutOptions {
  expiresInSeconds: number;
  /** Bound into the signature: the upload must send this Content-Type (or none, for local stores). */
  contentType?: string;
}

export interface PresignGetOptions {
  expiresInSeconds: number;
  /** The Content-Type the download is served with. */
  contentType?: string;
}

export interface PresignedRequest {
  method: 'GET' | 'PUT';
  /** Absolute URL; needs no bearer token. */
  url: string;
  /** Headers the client must send with the request. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface Store {
  readonly type: StoreType;
  readonly bucket: string;
  /** e.g. `FilesystemStore "demobucket"`, for error messages and logs; never contains secrets. */
  describe(): string;
  /**
   * Checks the store can be used (the bucket exists and the credentials work, or the
   * directory can be created). Throws the same errors a put would.
   */
  verify(): Promise<void>;
  /**
   * Streams `body` into `key`, measuring size, SHA-256 and MD5 on the way. The object appears
   * under `key` only once every byte arrived and matched `expected`; on a mismatch, a stream
   * error or any failure, nothing is left under the key (a previous object there is kept).
   */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObject>;
  /** 404 when the object does not exist; 416 (with `Content-Range: bytes *\/size`) for a range outside it. */
  get(key: string, options?: GetOptions): Promise<ObjectStream>;
  /** Undefined when the object does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(key: string): Promise<void>;
  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest>;
  presignGet(key: string, options: PresignGetOptions): Promise<PresignedRequest>;
}

/** Finds the store a store config id names (the media capability maps its rows to stores). */
export interface StoreResolver {
  /** Undefined when no such store config exists. */
  storeFor(storeConfigId: string): Promise<Store | undefined>;
}

/** Presigned URLs are valid for at least a second and at most 7 days (the S3 limit). */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** 422 unless `seconds` is a whole number of seconds within what every backend can sign. */
export function validateExpiresIn(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw unprocessable(`presigned URL lifetime must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}, got ${seconds}`);
  }
}
