import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Connection } from '../../src/stores/s3.js';

export interface TestS3 extends S3Connection {
  /** Where s3rver keeps its files, for asserting that nothing was left behind. */
  directory: string;
  close(): Promise<void>;
}

/** s3rver's built-in key pair. */
export const S3RVER_KEYS = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

/** A real S3-compatible server (s3rver) on 127.0.0.1, an ephemeral port and a temp directory, with `buckets` created. */
export async function startS3(buckets: string[] = []): Promise<TestS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'ms-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  // As in test/helpers/app.ts: idle sockets outlive the client's, so a reused one is never reset.
  (server as unknown as { httpServer: { keepAliveTimeout: number } }).httpServer.keepAliveTimeout = 30_000;
  return {
    url: `http://127.0.0.1:${port}`,
    ...S3RVER_KEYS,
    directory,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
