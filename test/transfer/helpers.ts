import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { client, FS_STORE, RAM_STORE, useMediaApp, type Client, type Stored } from '../media/helpers.js';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

export const S3_BUCKET = 'media';

export interface TransferTestApp {
  t: TestApp;
  api: Client;
  db: Stored;
  s3: TestS3;
  /** Store config bodies (as `mediadata.store_config`) of the three backends. */
  stores: Record<'s3' | 'filesystem' | 'ram', { type: string; bucket: string; s3_url: string }>;
}

/** The app (base64 bodies up to 1 MiB) with a real s3rver (bucket `media`, its S3 config created) and the DEMO identifier type. */
export function useTransferApp(use: (m: TransferTestApp) => void): void {
  let s3: TestS3 | undefined;
  let m: Omit<TransferTestApp, 's3' | 'stores'> | undefined;
  useMediaApp({ types: { DEMO: '' }, env: { BASE64_UPLOAD_LIMIT: '1mb' } }, (x) => (m = { t: x.t, api: x.admin, db: x.db }));
  beforeAll(async () => {
    s3 = await startS3([S3_BUCKET]);
    const cfg = await client(m!.t).post('/api/s3cfg', { url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey });
    expect(cfg.status, JSON.stringify(cfg.body)).toBe(200);
    use({ ...m!, s3, stores: { s3: { type: 'BucketStore', bucket: S3_BUCKET, s3_url: s3.url }, filesystem: { ...FS_STORE }, ram: { ...RAM_STORE } } });
  });
  afterAll(() => s3?.close());
}

export const STORE_TYPES = ['s3', 'filesystem', 'ram'] as const;

/** Distinct bytes of a given length (not all zero, so a shifted range would show). */
export function bytesOf(length: number, seed = 1): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}
