import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemStore, resolveBucketDir } from '../../src/stores/filesystem.js';
import { sweepTempFiles } from '../../src/stores/filesystem-sweep.js';
import { UrlSigner } from '../../src/stores/signed-url.js';
import { chunked, expectSameBytes, failingAfter, readAll, rejection, storeContract } from './contract.js';

let root: string;
const signer = new UrlSigner(randomBytes(32), 'http://mediastore.test');
const open = (bucket: string) => new FilesystemStore(bucket, root, signer.forStore('fs'));

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ms-fs-store-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every temp file under a directory, however deep. */
function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f).startsWith('.tmp-'));
}

storeContract('FilesystemStore', () => {
  const store = open('/contract');
  return { store, leftovers: async () => tempFiles(store.dir) };
});

describe('FilesystemStore buckets', () => {
  it('maps absolute bucket paths under the root, as AMPLIfy clients send them', () => {
    expect(resolveBucketDir(root, '/demobucket')).toBe(path.join(root, 'demobucket'));
    expect(resolveBucketDir(root, 'demobucket')).toBe(path.join(root, 'demobucket'));
    expect(resolveBucketDir(root, '/tmp/x/y')).toBe(path.join(root, 'tmp', 'x', 'y'));
    expect(resolveBucketDir(root, '//a/./b/')).toBe(path.join(root, 'a', 'b'));
  });

  it('refuses buckets that escape the root or name the root itself, with 422', () => {
    for (const bucket of ['..', '../outside', '/a/../../b', 'a/..', '/', '', '.', 'x/\u0000']) {
      expect(() => resolveBucketDir(root, bucket), JSON.stringify(bucket)).toThrow(expect.objectContaining({ status: 422 }));
    }
  });

  it('writes the object where the bucket maps to, and nowhere else', async () => {
    const store = open('/tmp/x/y');
    await store.put('clip/one.bin', Readable.from([Buffer.from('mapped')]));
    expect(readFileSync(path.join(root, 'tmp', 'x', 'y', 'clip', 'one.bin'), 'utf8')).toBe('mapped');
    expect(existsSync('/tmp/x/y/clip/one.bin')).toBe(false);
  });

  it('answers 409 when a key would need another object to be a directory', async () => {
    const store = open('clash');
    await store.put('a', Readable.from([Buffer.from('file')]));
    expect((await rejection(store.put('a/b', Readable.from([Buffer.from('x')])))).status).toBe(409);
    await store.put('dir/inner', Readable.from([Buffer.from('x')]));
    expect((await rejection(store.put('dir', Readable.from([Buffer.from('x')])))).status).toBe(409);
    expect(await store.head('dir')).toBeUndefined();
    expect(tempFiles(store.dir)).toEqual([]);
    await store.delete('dir');
    expect((await readAll(store, 'dir/inner')).toString()).toBe('x');
  });

  it('leaves no temp file after a failed or interrupted put', async () => {
    const store = open('interrupted');
    await expect(store.put('deep/key', failingAfter(1_000_000))).rejects.toThrow();
    await rejection(store.put('deep/key2', chunked(randomBytes(10_000)), { expected: { size: 5 } }));
    expect(tempFiles(store.dir)).toEqual([]);
    expect(readdirSync(path.join(store.dir, 'deep'))).toEqual([]);
  });

  it('keeps serving the object a download started with while a put replaces it', async () => {
    const store = open('consistent');
    const first = randomBytes(500_000);
    await store.put('k', chunked(first));
    const download = await store.get('k');
    await store.put('k', chunked(randomBytes(700_000)));
    expect(download.size).toBe(first.length);
    expectSameBytes(await buffer(download.body), first);
  });
});

describe('sweepTempFiles', () => {
  it('removes stale temp files of crashed puts anywhere under the root, and spares fresh ones and objects', async () => {
    const sweepRoot = mkdtempSync(path.join(tmpdir(), 'ms-sweep-'));
    const bucket = path.join(sweepRoot, 'b', 'nested');
    mkdirSync(bucket, { recursive: true });
    const stale = path.join(bucket, '.tmp-crashed');
    const fresh = path.join(sweepRoot, 'b', '.tmp-in-flight');
    const object = path.join(bucket, 'object');
    for (const f of [stale, fresh, object]) writeFileSync(f, 'bytes');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    utimesSync(object, twoHoursAgo, twoHoursAgo);

    const { removed } = await sweepTempFiles(sweepRoot, 3_600_000);
    expect(removed).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(object)).toBe(true);
    expect((await sweepTempFiles(path.join(sweepRoot, 'missing'), 0)).removed).toEqual([]);
    rmSync(sweepRoot, { recursive: true, force: true });
  });
});
