import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createMedia, seedTypes } from '../media/helpers.js';

/**
 * The filesystem store on a full disk (a 512 KiB tmpfs, which needs root): an upload that does
 * not fit is a 507 JSON error, leaves no file and no temporary behind, keeps the record
 * waiting, and the store keeps working for what fits.
 */

const root = mkdtempSync(path.join(tmpdir(), 'ms-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', root], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 but a tmpfs could not be mounted (root needed)', { cause: err });
  console.warn('SKIPPED disk-full tests: mounting a small tmpfs needs root');
}

let t: TestApp;
beforeAll(async () => {
  if (!mounted) return;
  t = await createTestApp({ env: { FILESYSTEM_STORE_ROOT: root } });
  await seedTypes(t, { DEMO: '' });
});
afterAll(async () => {
  await t?.close();
  if (mounted) execFileSync('umount', [root]);
  rmSync(root, { recursive: true, force: true });
});

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));

async function upload(pid: string, body: Buffer) {
  const created = await createMedia(t, { pid });
  const store = await t.ctx.stores.resolver.storeFor(String(created.store_config.pk));
  const { url } = await store!.presignPut(created.store_key, { expiresInSeconds: 300 });
  return { key: created.store_key, url, res: await fetch(url, { method: 'PUT', body }) };
}

describe.skipIf(!mounted)('disk full on the filesystem store', () => {
  test('507 JSON, nothing written, the record still waiting; what fits is stored afterwards', async () => {
    const big = await upload('full-1', Buffer.alloc(1024 * 1024, 7));
    expect(big.res.status).toBe(507);
    expect(big.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await big.res.json()) as { error: string }).error).toMatch(/no space left on the device/);
    expect(files(root)).toEqual([]);
    const stored = await t.http.get('/api/media/full-1').set('Authorization', `Bearer ${t.adminToken}`);
    expect(stored.body).toMatchObject({ store_status: 'PENDING' });

    const small = Buffer.from('fits on the disk');
    const retry = await fetch(big.url, { method: 'PUT', body: small });
    expect(retry.status).toBe(200);
    const [file] = files(root);
    expect(readFileSync(file!).equals(small)).toBe(true);
    expect((await t.http.get('/api/media/full-1').set('Authorization', `Bearer ${t.adminToken}`)).body).toMatchObject({ store_status: 'READY', size: small.length });
  });
});
