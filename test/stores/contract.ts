import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/http/errors.js';
import { ChecksumMismatchError } from '../../src/stores/hashing.js';
import type { Store } from '../../src/stores/store.js';

/** Real media from the shared fixtures. */
export const VIDEO = '/work/shared/media/bbb_video_001.ts';
export const AUDIO = '/work/shared/media/bbb_audio_001.aac';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** `data` as a stream of `chunkSize` chunks. */
export function chunked(data: Buffer, chunkSize = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
    })(),
  );
}

/** A stream that delivers `before` bytes and then fails (or just stops, with `error` undefined), like a client hanging up. */
export function failingAfter(before: number, error: Error | undefined = new Error('client went away')): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= before) {
        this.destroy(error);
        return;
      }
      const n = Math.min(64 * 1024, before - sent);
      sent += n;
      this.push(randomBytes(n));
    },
  });
}

/** Byte equality without vitest's element-wise diff, which is slow on large buffers. */
export function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect({ size: actual.length, sha256: sha256(actual) }).toEqual({ size: expected.length, sha256: sha256(expected) });
}

export async function readAll(store: Store, key: string, range?: Parameters<Store['get']>[1]): Promise<Buffer> {
  return buffer((await store.get(key, range)).body);
}

export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the promise to reject').toBeInstanceOf(ApiError);
  return err as ApiError;
}

/**
 * The behaviour every backend promises, run against a real instance of each. `leftovers`
 * lists anything a failed put left in the backend (temp files, reserved bytes...).
 */
export function storeContract(name: string, setup: () => { store: Store; leftovers?: () => Promise<string[]> }): void {
  describe(`${name}: the Store contract`, () => {
    const expectNothingLeft = async (key: string) => {
      const { store, leftovers } = setup();
      expect(await store.head(key)).toBeUndefined();
      if (leftovers) expect(await leftovers()).toEqual([]);
    };

    it('stores a real media file and gives the same bytes, size and checksums back', async () => {
      const { store } = setup();
      const bytes = readFileSync(VIDEO);
      const stored = await store.put('media/bbb video 001.ts', createReadStream(VIDEO), { contentType: 'video/mp2t' });
      expect(stored).toMatchObject({ size: bytes.length, sha256: sha256(bytes), md5: md5(bytes) });
      const back = await store.get('media/bbb video 001.ts');
      expect(back.size).toBe(bytes.length);
      expect(back.length).toBe(bytes.length);
      expect(back.range).toBeUndefined();
      const got = await buffer(back.body);
      expectSameBytes(got, bytes);
      expect((await store.head('media/bbb video 001.ts'))?.size).toBe(bytes.length);
    });

    it('serves byte ranges: closed, open-ended, suffix, clipped at the end', async () => {
      const { store } = setup();
      const bytes = readFileSync(AUDIO);
      await store.put('audio.aac', createReadStream(AUDIO));
      const size = bytes.length;
      const closed = await store.get('audio.aac', { range: { start: 100, end: 1099 } });
      expect(closed).toMatchObject({ size, length: 1000, range: { start: 100, end: 1099 } });
      expect(await buffer(closed.body)).toEqual(bytes.subarray(100, 1100));
      expect(await readAll(store, 'audio.aac', { range: { start: size - 10 } })).toEqual(bytes.subarray(size - 10));
      const suffix = await store.get('audio.aac', { range: { suffix: 500 } });
      expect(suffix.range).toEqual({ start: size - 500, end: size - 1 });
      expect(await buffer(suffix.body)).toEqual(bytes.subarray(size - 500));
      const clipped = await store.get('audio.aac', { range: { start: size - 5, end: size + 1000 } });
      expect(clipped.range).toEqual({ start: size - 5, end: size - 1 });
      expect(await buffer(clipped.body)).toEqual(bytes.subarray(size - 5));
    });

    it('answers 416 with the object size for a range past the end', async () => {
      const { store } = setup();
      await store.put('small', Readable.from([Buffer.from('0123456789')]));
      const err = await rejection(store.get('small', { range: { start: 10 } }));
      expect(err.status).toBe(416);
      expect(err.headers).toEqual({ 'Content-Range': 'bytes */10' });
    });

    it('stores an empty object', async () => {
      const { store } = setup();
      const stored = await store.put('empty', Readable.from([]));
      expect(stored).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)), md5: md5(Buffer.alloc(0)) });
      expect(await readAll(store, 'empty')).toEqual(Buffer.alloc(0));
      expect((await store.head('empty'))?.size).toBe(0);
    });

    it('reports a missing object: head undefined, get 404 naming the store', async () => {
      const { store } = setup();
      expect(await store.head('nowhere/to/be/found')).toBeUndefined();
      const err = await rejection(store.get('nowhere/to/be/found'));
      expect(err.status).toBe(404);
      expect(err.message).toContain(store.describe());
    });

    it('deletes idempotently', async () => {
      const { store } = setup();
      await store.put('doomed', Readable.from([Buffer.from('bye')]));
      await store.delete('doomed');
      expect(await store.head('doomed')).toBeUndefined();
      await store.delete('doomed');
      await store.delete('never-existed');
    });

    it('replaces an object on a second put', async () => {
      const { store } = setup();
      await store.put('twice', Readable.from([Buffer.from('first version')]));
      await store.put('twice', Readable.from([Buffer.from('second')]));
      expect((await readAll(store, 'twice')).toString()).toBe('second');
      expect((await store.head('twice'))?.size).toBe(6);
    });

    it('accepts matching expected checksums in hex or base64', async () => {
      const { store } = setup();
      const data = randomBytes(300_000);
      const expected = { sha256: sha256(data).toUpperCase(), md5: Buffer.from(md5(data), 'hex').toString('base64'), size: data.length };
      const stored = await store.put('checked', chunked(data), { expected });
      expect(stored.sha256).toBe(sha256(data));
      expectSameBytes(await readAll(store, 'checked'), data);
    });

    it('keeps nothing when the SHA-256 does not match (422), and keeps the previous object', async () => {
      const { store } = setup();
      await store.put('guarded', Readable.from([Buffer.from('good old bytes')]));
      const data = randomBytes(200_000);
      const err = await rejection(store.put('guarded', chunked(data), { expected: { sha256: sha256(Buffer.from('other')) } }));
      expect(err).toBeInstanceOf(ChecksumMismatchError);
      expect(err.status).toBe(422);
      expect(err.message).toContain(sha256(data));
      expect((await readAll(store, 'guarded')).toString()).toBe('good old bytes');
      await rejection(store.put('bad-md5', chunked(data), { expected: { md5: md5(Buffer.from('other')) } }));
      await expectNothingLeft('bad-md5');
    });

    it('keeps nothing when the size is not what was promised, either way', async () => {
      const { store } = setup();
      const data = randomBytes(100_000);
      expect((await rejection(store.put('short', chunked(data), { expected: { size: data.length + 1 } }))).status).toBe(422);
      await expectNothingLeft('short');
      expect((await rejection(store.put('long', chunked(data), { expected: { size: 10 } }))).status).toBe(422);
      await expectNothingLeft('long');
    });

    it('refuses more than maxBytes with 413 and keeps nothing', async () => {
      const { store } = setup();
      const err = await rejection(store.put('huge', chunked(randomBytes(200_000)), { maxBytes: 100_000 }));
      expect(err.status).toBe(413);
      await expectNothingLeft('huge');
    });

    it('keeps nothing when the source fails or stops mid-way', async () => {
      const { store } = setup();
      await expect(store.put('broken', failingAfter(300_000))).rejects.toThrow('client went away');
      await expectNothingLeft('broken');
      await expect(store.put('cut', failingAfter(300_000, undefined))).rejects.toThrow();
      await expectNothingLeft('cut');
    });

    it('refuses keys that are empty, absolute, or contain "..", "." or empty segments, with 422', async () => {
      const { store } = setup();
      for (const key of ['', '/etc/passwd', '../escape', 'a/../../b', 'a//b', './a', 'a/', '.tmp-x', 'nul\u0000byte']) {
        const err = await rejection(store.put(key, Readable.from([Buffer.from('x')])));
        expect(err.status, key).toBe(422);
        expect((await rejection(store.get(key))).status).toBe(422);
      }
    });

    it('issues absolute presigned URLs', async () => {
      const { store } = setup();
      const put = await store.presignPut('some/key.ts', { expiresInSeconds: 300, contentType: 'video/mp2t' });
      const get = await store.presignGet('some/key.ts', { expiresInSeconds: 300 });
      expect(put).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'video/mp2t' } });
      expect(get).toMatchObject({ method: 'GET', headers: {} });
      for (const p of [put, get]) {
        expect(new URL(p.url).protocol).toMatch(/^https?:$/);
        expect(p.expiresAt.getTime() - Date.now()).toBeGreaterThan(290_000);
      }
      expect((await rejection(store.presignGet('k', { expiresInSeconds: 0 }))).status).toBe(422);
      expect((await rejection(store.presignGet('k', { expiresInSeconds: 8 * 24 * 3600 }))).status).toBe(422);
    });
  });
}
