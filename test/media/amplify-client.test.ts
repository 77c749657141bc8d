import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, type TestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/process.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { requireService } from '../helpers/services.js';
import { stored, type MediaBody } from './helpers.js';

/**
 * AMPLIfy's Python client, replayed by amplify_client.py with real pydantic models and
 * `requests` (what the client sends is decided by those libraries, so they make the bodies
 * here too), against the real app; then the stored results are checked.
 */

const run = promisify(execFile);
const script = path.join(repoRoot, 'test/media/amplify_client.py');
const python = await requireService('Python 3 with requests and pydantic 2', async () => {
  try {
    await run('python3', ['-c', 'import requests, pydantic; assert pydantic.VERSION.startswith("2")']);
    return true;
  } catch {
    return false;
  }
});

interface Exchange {
  method: string;
  path: string;
  request_body: string | null;
  status: number;
}
interface Report {
  exchanges: Exchange[];
  results?: Record<string, unknown>;
  failed?: string;
}

let t: TestApp;
let s3: TestS3;
let report: Report;

describe.runIf(python)("AMPLIfy's Python client", () => {
  beforeAll(async () => {
    s3 = await startS3(['archive']);
    t = await createTestApp();
    const { stdout } = await run('python3', [script, t.baseUrl, ADMIN.username, ADMIN.password, s3.url, s3.accessKey, s3.secretKey], { timeout: 60_000 });
    report = JSON.parse(stdout) as Report;
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  const results = () => report.results!;
  const sent = (method: string, p: string) => report.exchanges.filter((e) => e.method === method && e.path === p).map((e) => e.request_body);

  it('gets 200 or 204 for every call of the scenario (but the read of a deleted record: 404)', () => {
    expect(report.failed).toBeUndefined();
    const last = report.exchanges.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', path: '/api/media/py-bulk-3', status: 404 });
    const others = report.exchanges.slice(0, -1);
    expect(others.length).toBeGreaterThan(35);
    expect(others.filter((e) => e.status !== 200 && e.status !== 204)).toEqual([]);
  });

  it("sends pydantic's model_dump() shapes, nulls and defaults included, as json.dumps writes them", () => {
    expect(sent('POST', '/api/identifier')[0]).toBe('{"name": "DEMO", "pattern": ""}');
    expect(sent('POST', '/api/store')[1]).toBe('{"type": "FilesystemStore", "bucket": "/demobucket", "s3_url": ""}');
    expect(sent('POST', '/api/media')[1]).toBe(
      '{"pid": "py-min", "pid_type": "DEMO", "store_config": {"type": "FilesystemStore", "bucket": "/demobucket", "s3_url": ""}, "identifiers": {}, "metadata": {}, "tags": []}',
    );
    expect(sent('PATCH', '/api/media/py-min')[0]).toBe('{"pid": "py-min", "new_pid": "py-renamed", "pid_type": null, "store_config": null}');
    expect(sent('PATCH', '/api/media/py-renamed')[1]).toBe(
      '{"pid": "py-renamed", "new_pid": null, "pid_type": null, "store_config": {"type": "DictStore", "bucket": "ram", "s3_url": ""}}',
    );
    expect(sent('DELETE', '/api/media/update/metadata')[0]).toBe('[{"pid": "py-1", "keys": ["egg"], "data": {}}]');
    expect(sent('POST', '/api/media/search')[0]).toBe('{"tags": ["bulk", "two"]}');
  });

  it('manages identifier types, S3 configs and store configs', async () => {
    const r = results();
    expect(r.create_identifier_DEMO).toEqual({ name: 'DEMO', pattern: '' });
    expect(r.get_identifier).toEqual({ name: 'BIN', pattern: 'bin_\\w+' });
    expect(r.list_identifiers).toEqual([{ name: 'BIN', pattern: 'bin_\\w+' }, { name: 'DEMO', pattern: '' }]);
    expect(r.list_s3cfgs).toEqual([{ pk: (r.create_s3cfg as { pk: number }).pk, url: s3.url }]);
    expect(JSON.stringify(r)).not.toMatch(/secret_key|access_key/);
    expect(r.create_bucket_store).toMatchObject({ type: 'BucketStore', bucket: 'archive', s3_url: s3.url });
    expect(r.get_store).toEqual({ pk: expect.any(Number), type: 'FilesystemStore', bucket: '/demobucket', s3_url: '' });
    expect(await stored(t).type('TEMP')).toBeUndefined();
  });

  it('creates, reads, renames and moves single records', async () => {
    const r = results();
    expect(r.get_single_media).toEqual(r.create_single_media);
    expect(r.create_single_media).toMatchObject({ pid: 'py-1', identifiers: { BIN: 'bin_0001' }, tags: ['one', 'two'], store_status: 'PENDING' });
    expect(r.after_update_single).toMatchObject({ pid: 'py-renamed', store_config: { type: 'DictStore', bucket: 'ram', s3_url: '' } });
    const history = await stored(t).historyOf((r.after_update_single as MediaBody).pk);
    expect(history.map((h) => h.historyType)).toEqual(['+', '~', '~', '~']);
  });

  it('runs the bulk endpoints with per-item results', async () => {
    const r = results();
    expect((r.create_bulk_media as MediaBody[]).map((m) => m.pid)).toEqual(['py-bulk-1', 'py-bulk-2', 'py-bulk-3']);
    expect((r.get_bulk_media as MediaBody[]).map((m) => m.pid)).toEqual(['py-bulk-1', 'py-bulk-3']);
    expect(r.update_bulk_media).toEqual({ successes: ['py-bulk-1', 'py-bulk-2'], failures: [] });
    expect((r.search_bulk_media as MediaBody[]).map((m) => m.pid)).toEqual(['py-1', 'py-bulk-1', 'py-bulk-2b', 'py-bulk-3']);
    expect(r.update_media_storekeys).toEqual({ successes: ['py-bulk-3'], failures: [{ pid: 'missing', error: 'NotFound', msg: 'media missing not found' }] });
    expect(r.update_media_identifiers).toMatchObject({ successes: ['py-1'], failures: [{ pid: 'py-bulk-3', error: 'ValidationError' }] });
    expect(r.final_py_1).toMatchObject({
      identifiers: { BIN: 'bin_0002' },
      tags: ['one', 'two', 'three'],
      metadata: { nested: { n: 1, m: { deep: true } }, zip: 'zap' },
    });
    expect(r.delete_bulk_media).toEqual({ successes: ['py-bulk-1', 'py-bulk-2b'], failures: [{ pid: 'missing', error: 'NotFound', msg: 'media missing not found' }] });
    expect(r.get_deleted).toBe('GET /api/media/py-bulk-3 -> 404');
    const db = stored(t);
    expect(await db.media('py-bulk-1')).toBeUndefined();
    expect((await db.media('py-1'))!.metadata).toEqual({ nested: { n: 1, m: { deep: true } }, zip: 'zap' });
    expect((r.list_media as MediaBody[]).map((m) => m.pid).sort()).toEqual(['py-1', 'py-bulk-1', 'py-bulk-2b', 'py-bulk-3', 'py-renamed', 'py-up', 'py-up-url']);
  });

  it('uploads and downloads bytes: base64 both ways, and through presigned PUT and GET URLs', async () => {
    const r = results();
    expect(r.upload_base64).toEqual({ status: 'READY', presigned_put: null, pid: 'py-up', expires: null });
    expect(r).toMatchObject({ download_base64_equal: true, download_base64_status: 'READY', upload_presigned_status: 'PENDING', presigned_put_status: 200, presigned_get_equal: true });
    expect(sent('POST', '/api/upload')[1]).toBe(
      '{"mediadata": {"pid": "py-up-url", "pid_type": "DEMO", "store_config": {"type": "FilesystemStore", "bucket": "/demobucket", "s3_url": ""}, "identifiers": {}, "metadata": {}, "tags": []}, "base64": ""}',
    );
    const db = stored(t);
    expect(await db.media('py-up')).toMatchObject({ storeStatus: 'READY', size: 10240 });
    expect(await db.media('py-up-url')).toMatchObject({ storeStatus: 'READY', size: 10240 });
  });
});
