import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { ApiError, conflict, notFound, payloadTooLarge, ValidationError } from '../http/errors.js';
import type { Change } from '../media/change.js';
import { failureOf } from '../media/media-bulk.js';
import type { MediaRecord, MediaService } from '../media/media.service.js';
import type { MediaView } from '../media/media.schemas.js';
import type { StoreConfigResolver } from '../media/store-resolver.js';
import type { ByteRange, ExpectedChecksums, ObjectStream, Store, StoredObject } from '../stores/store.js';
import { digestOf } from '../stores/hashing.js';
import type { DownloadUrl, UploadBody, UploadResult } from './transfer.schemas.js';

export interface TransferSettings {
  /** Bytes of a base64 JSON body; base64 downloads of objects that would exceed it are refused too. */
  base64Limit: number;
  presignSeconds: number;
}

/** A READY record's bytes, opened for reading. */
export interface MediaContent {
  record: MediaRecord;
  object: ObjectStream;
}

/**
 * Moving bytes in and out of media records: AMPLIfy's base64 and presigned upload and
 * download, the S3 upload completion, and streaming content. Every path that stores bytes
 * marks the record READY with what was measured while they streamed; a failure leaves the
 * record as it was and no new bytes behind.
 */
export class TransferService {
  constructor(
    private readonly media: MediaService,
    private readonly stores: StoreConfigResolver,
    private readonly settings: TransferSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates the record and stores the decoded bytes (READY), or hands out a presigned PUT
   * (PENDING). Record and bytes are written in one transaction: if the store fails, the
   * record never existed; if the commit fails, the stored bytes are deleted again.
   */
  async upload(change: Change, body: UploadBody): Promise<UploadResult> {
    const bytes = body.base64 ? decodeBase64(body.base64) : undefined;
    const expected: ExpectedChecksums = {
      ...(body.checksums?.sha256 ? { sha256: body.checksums.sha256.toLowerCase() } : {}),
      ...(body.checksums?.md5 ? { md5: body.checksums.md5.toLowerCase() } : {}),
    };
    const contentType = body.content_type ?? undefined;
    let written: { store: Store; key: string } | undefined;
    try {
      return await this.media.createWith(change, body.mediadata, async (tx, view) => {
        const store = await this.storeOf(view, tx);
        if (!bytes) {
          const url = await store.presignPut(view.store_key, { expiresInSeconds: this.settings.presignSeconds, ...(contentType ? { contentType } : {}) });
          return { status: 'PENDING' as const, presigned_put: url.url, pid: view.pid, expires: url.expiresAt.toISOString() };
        }
        const stored = await store.put(view.store_key, Readable.from([bytes]), { expected, ...(contentType ? { contentType } : {}) });
        written = { store, key: view.store_key };
        await this.media.markStored(change, view.pid, stored, tx);
        return { status: 'READY' as const, presigned_put: null, pid: view.pid, expires: null };
      });
    } catch (err) {
      if (written) await this.removeQuietly(written.store, written.key);
      throw err;
    }
  }

  /**
   * After a presigned PUT (S3 never tells us): reads the object the client uploaded, measures
   * size and checksums, and marks the record READY. A READY record is re-measured only when
   * `replace` is asked for (the bytes were uploaded again through a new URL).
   */
  async complete(change: Change, pid: string, replace: boolean): Promise<MediaView> {
    const record = await this.writable(pid, replace);
    const store = await this.storeOf(record.view);
    const info = await store.head(record.storeKey);
    if (!info) throw conflict(`nothing was uploaded for media ${pid} yet (no object "${record.storeKey}" in ${store.describe()})`);
    const digests = await digestOf((await store.get(record.storeKey)).body);
    return this.media.markStored(change, pid, { ...digests, contentType: info.contentType });
  }

  /**
   * `complete` for a background pass over PENDING records: false, not an error, when nothing
   * was uploaded yet or the record changed meanwhile (READY, being deleted, gone).
   */
  async completeIfUploaded(change: Change, pid: string): Promise<boolean> {
    try {
      await this.complete(change, pid, false);
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) return false;
      throw err;
    }
  }

  /**
   * Streams `body` into the record's store (constant memory) and marks it READY. A mismatch
   * with `expected`, an interrupted body or a failing store leave the record and the bytes
   * that were there unchanged.
   */
  async putContent(change: Change, pid: string, body: Readable, options: { contentType?: string | undefined; expected: ExpectedChecksums; replace: boolean }): Promise<StoredObject & { pid: string }> {
    const record = await this.writable(pid, options.replace);
    const store = await this.storeOf(record.view);
    const stored = await store.put(record.storeKey, body, { expected: options.expected, ...(options.contentType ? { contentType: options.contentType } : {}) });
    try {
      await this.media.markStored(change, pid, stored);
    } catch (err) {
      // A PENDING record must not end up with bytes it does not know about. (A replaced READY
      // object cannot be restored; fixity verification reports the difference.)
      if (record.storeStatus === 'PENDING') await this.removeQuietly(store, record.storeKey);
      throw err;
    }
    return { ...stored, pid };
  }

  /** The stored bytes of a READY record (or a range of them). */
  async content(pid: string, range?: ByteRange): Promise<MediaContent> {
    const record = await this.ready(pid);
    const store = await this.storeOf(record.view);
    return { record, object: await store.get(record.storeKey, range ? { range } : {}) };
  }

  async downloadBase64(pid: string): Promise<{ mediadata: MediaView; base64: string }> {
    const record = await this.ready(pid);
    const size = record.view.size ?? 0;
    if (Math.ceil(size / 3) * 4 > this.settings.base64Limit) {
      throw payloadTooLarge(
        `media ${pid} is ${size} bytes, more than a base64 answer may carry (BASE64_UPLOAD_LIMIT ${this.settings.base64Limit} bytes); ` +
          `use GET /api/download/url/${pid} or GET /api/media/${pid}/content`,
      );
    }
    const store = await this.storeOf(record.view);
    const chunks: Buffer[] = [];
    for await (const chunk of (await store.get(record.storeKey)).body) chunks.push(chunk as Buffer);
    return { mediadata: record.view, base64: Buffer.concat(chunks).toString('base64') };
  }

  async downloadUrl(pid: string): Promise<DownloadUrl> {
    const record = await this.ready(pid);
    const store = await this.storeOf(record.view);
    const url = await store.presignGet(record.storeKey, {
      expiresInSeconds: this.settings.presignSeconds,
      ...(record.view.content_type ? { contentType: record.view.content_type } : {}),
    });
    return { mediadata: record.view, presigned_get: url.url, expires: url.expiresAt.toISOString() };
  }

  /** One answer per pid, in order: a URL, or AMPLIfy's `{pid, error, msg}` in its place. */
  async downloadUrls(pids: string[]) {
    const results = [];
    for (const pid of pids) {
      try {
        results.push(await this.downloadUrl(pid));
      } catch (err) {
        results.push(failureOf(pid, err, this.logger));
      }
    }
    return results;
  }

  /** The record with bytes to read: 404 if none, 409 while PENDING. */
  async ready(pid: string): Promise<MediaRecord> {
    const record = await this.media.find(pid);
    if (!record) throw notFound(`media ${pid} not found`);
    if (record.storeStatus !== 'READY') throw conflict(`media ${pid} is PENDING: its bytes have not been uploaded yet`);
    return record;
  }

  async storeOf(view: MediaView, tx?: Db): Promise<Store> {
    const store = await this.stores.storeFor(String(view.store_config.pk), tx);
    if (!store) throw notFound(`store config ${view.store_config.pk} not found`);
    return store;
  }

  private async writable(pid: string, replace: boolean): Promise<MediaRecord> {
    const record = await this.media.find(pid);
    if (!record) throw notFound(`media ${pid} not found`);
    if (record.deleteRequested) throw conflict(`media ${pid} is being deleted`);
    if (record.storeStatus === 'READY' && !replace) throw conflict(`media ${pid} already has its bytes; add ?replace=true to replace them`);
    return record;
  }

  private async removeQuietly(store: Store, key: string): Promise<void> {
    await store.delete(key).catch((err: unknown) => {
      this.logger.error({ err: err instanceof Error ? err.message : String(err), store: store.describe(), key }, 'could not remove the bytes of a failed upload');
    });
  }
}

/** Strict base64 (standard alphabet, padding optional; whitespace as MIME line breaks allow). */
export function decodeBase64(value: string): Buffer {
  // Copies of a body of tens of megabytes are not free: only when there are line breaks.
  const compact = /[\r\n]/.test(value) ? value.replace(/[\r\n]/g, '') : value;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new ValidationError([{ loc: ['body', 'base64'], msg: 'must be base64 (A-Z, a-z, 0-9, +, /, optional = padding)', type: 'value_error' }]);
  }
  return Buffer.from(compact, 'base64');
}
