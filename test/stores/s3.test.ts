import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketStore, createS3Client } from '../../src/stores/s3.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { chunked, expectSameBytes, failingAfter, md5, rejection, sha256, storeContract, VIDEO } from './contract.js';

let s3: TestS3;
let client: S3Client;
/** Every S3 command the client sent, in order: shows which upload path a put took. */
const commands: string[] = [];
const bucketStore = (bucket = 'media', c: S3Client = client) => new BucketStore(bucket, c, s3.url);

beforeAll(async () => {
  s3 = await startS3(['media', 'other']);
  client = createS3Client(s3);
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});
afterAll(async () => {
  client.destroy();
  await s3.close();
});

storeContract('BucketStore (s3rver)', () => ({ store: bucketStore() }));

describe('BucketStore uploads', () => {
  const MiB = 1024 ** 2;

  it('sends a small object in one PutObject and a 20 MiB one as a multipart upload', async () => {
    const store = bucketStore();
    commands.length = 0;
    await store.put('small.ts', createReadStream(VIDEO));
    expect(commands).toEqual(['PutObjectCommand']);

    commands.length = 0;
    const data = randomBytes(20 * MiB);
    const stored = await store.put('large.bin', chunked(data), { contentType: 'application/mxf' });
    expect(stored).toMatchObject({ size: data.length, sha256: sha256(data), md5: md5(data), contentType: 'application/mxf' });
    expect(commands[0]).toBe('CreateMultipartUploadCommand');
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(commands.at(-1)).toBe('CompleteMultipartUploadCommand');
    const back = await store.get('large.bin');
    expect(back).toMatchObject({ size: data.length, contentType: 'application/mxf' });
    const chunks: Buffer[] = [];
    for await (const chunk of back.body) chunks.push(chunk as Buffer);
    expectSameBytes(Buffer.concat(chunks), data);
  });

  it('never completes a multipart upload whose bytes do not match, nor one whose source broke', async () => {
    const store = bucketStore();
    commands.length = 0;
    const data = randomBytes(20 * MiB);
    const err = await rejection(store.put('mismatch.bin', chunked(data), { expected: { sha256: sha256(Buffer.from('x')) } }));
    expect(err.status).toBe(422);
    expect(commands).toContain('UploadPartCommand');
    expect(commands).not.toContain('CompleteMultipartUploadCommand');
    expect(await store.head('mismatch.bin')).toBeUndefined();

    commands.length = 0;
    await expect(store.put('broken.bin', failingAfter(18 * MiB))).rejects.toThrow('client went away');
    expect(commands).not.toContain('CompleteMultipartUploadCommand');
    expect(await store.head('broken.bin')).toBeUndefined();
  });

  it('streams a large upload with bounded buffering', async () => {
    const store = bucketStore();
    const total = 64 * MiB;
    let sent = 0;
    const block = randomBytes(MiB);
    const source = new Readable({
      read() {
        sent += block.length;
        this.push(sent <= total ? block : null);
      },
    });
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 10);
    const stored = await store.put('streamed.bin', source);
    clearInterval(sampler);
    expect(stored.size).toBe(total);
    // Four 8 MiB parts in flight plus the one being filled; far below the object's 64 MiB.
    expect(peak - before).toBeLessThan(56 * MiB);
  });
});

describe('BucketStore errors name the store', () => {
  it('a missing bucket is a 422 naming the store and the bucket, for every operation', async () => {
    const store = bucketStore('no-such-bucket');
    for (const attempt of [
      () => store.put('k', Readable.from([Buffer.from('bytes')])),
      () => store.get('k'),
      () => store.head('k'),
      () => store.delete('k'),
      () => store.verify(),
    ]) {
      const err = await rejection(attempt());
      expect(err.status).toBe(422);
      expect(err.message).toContain(`BucketStore "no-such-bucket" at ${s3.url}: bucket "no-such-bucket" does not exist`);
    }
  });

  // s3rver checks access key ids but not SigV4 signatures, so a wrong secret is covered in s3-errors.test.ts.
  it('an unknown access key is a 502 naming the store, without the secret', async () => {
    for (const keys of [{ accessKey: 'NOT-A-KEY', secretKey: 'whatever-secret' }]) {
      const bad = createS3Client({ ...s3, ...keys });
      const store = bucketStore('media', bad);
      for (const attempt of [() => store.put('k', Readable.from([Buffer.from('x')])), () => store.head('k'), () => store.verify()]) {
        const err = await rejection(attempt());
        expect(err.status).toBe(502);
        expect(err.message).toMatch(/^BucketStore "media" at .*: the S3 service refused our credentials or access \((InvalidAccessKeyId|HTTP 403)\)/);
        expect(err.message).not.toContain(keys.secretKey);
      }
      bad.destroy();
    }
  });

  it('an unreachable endpoint is a 502 naming the store', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${port}`;
    const unreachable = createS3Client({ ...s3, url });
    const store = new BucketStore('media', unreachable, url);
    const err = await rejection(store.put('k', Readable.from([Buffer.from('x')])));
    expect(err.status).toBe(502);
    expect(err.message).toBe(`BucketStore "media" at ${url}: cannot reach the S3 endpoint (ECONNREFUSED)`);
    unreachable.destroy();
  });
});

describe('S3 presigned URLs', () => {
  it('PUT then GET with plain fetch, no SDK and no token', async () => {
    const store = bucketStore();
    const bytes = readFileSync(VIDEO);
    const put = await store.presignPut('presigned/video.ts', { expiresInSeconds: 120, contentType: 'video/mp2t' });
    expect(put.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
    const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body: bytes });
    expect(uploaded.status).toBe(200);
    expect(await store.head('presigned/video.ts')).toMatchObject({ size: bytes.length, contentType: 'video/mp2t', etag: md5(bytes) });

    const get = await store.presignGet('presigned/video.ts', { expiresInSeconds: 120 });
    const downloaded = await fetch(get.url);
    expect(downloaded.status).toBe(200);
    expectSameBytes(Buffer.from(await downloaded.arrayBuffer()), bytes);
    const ranged = await fetch(get.url, { headers: { Range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expectSameBytes(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(100, 200));
  });
});
