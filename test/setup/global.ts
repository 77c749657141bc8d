import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Postgres: a migrated template database each test file clones. */
    pgTemplate: string | null;
    /** PGlite: a migrated data directory dump each test file loads. */
    pgliteTemplate: string | null;
    runId: string;
  }
}

/**
 * Migrates once per run, so each test file starts from a fresh, migrated database in a
 * fraction of a second: a cloned Postgres database (DATABASE_URL set) or a PGlite loaded from
 * a dump (embedded default).
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  project.provide('runId', runId);
  const url = process.env.DATABASE_URL;
  if (url) {
    const template = `ms_tpl_${runId}`;
    await adminQuery(url, `create database ${template}`);
    const database = openDatabase({ url: withDatabase(url, template), poolSize: 1 });
    await database.migrate();
    await database.close();
    project.provide('pgTemplate', template);
    project.provide('pgliteTemplate', null);
    return async () => {
      const dbs = await adminQuery(url, `select datname from pg_database where datname like 'ms\\_%${runId}%'`);
      for (const row of dbs.rows as { datname: string }[]) {
        await adminQuery(url, `drop database if exists ${row.datname} with (force)`);
      }
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ms-pglite-'));
  const database = openDatabase({});
  await database.migrate();
  const client = (database.db as unknown as { $client: { dumpDataDir(c: 'none'): Promise<Blob> } }).$client;
  const dump = await client.dumpDataDir('none');
  const file = path.join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  project.provide('pgTemplate', null);
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}
