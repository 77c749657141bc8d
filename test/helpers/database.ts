import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { openDatabase, PGLITE_EXTENSIONS, type Database } from '../../src/db/client.js';
import { adminQuery, withDatabase } from '../setup/global.js';

export interface TestDatabase extends Database {
  /** postgres:// URL of this database when on Postgres (for a second app instance). */
  url: string | undefined;
}

/** A fresh, migrated database for one test file: Postgres when DATABASE_URL is set, else PGlite. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  const template = inject('pgTemplate');
  if (serverUrl && template) {
    const name = `ms_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
    await adminQuery(serverUrl, `create database ${name} template ${template}`);
    const url = withDatabase(serverUrl, name);
    const database = openDatabase({ url, poolSize: 10 });
    return {
      ...database,
      url,
      close: async () => {
        await database.close();
        await adminQuery(serverUrl, `drop database if exists ${name} with (force)`).catch(() => undefined);
      },
    };
  }
  const dump = inject('pgliteTemplate');
  if (!dump) throw new Error('test setup did not prepare a database template');
  const client = new PGlite({
    loadDataDir: new Blob([readFileSync(dump)]),
    extensions: PGLITE_EXTENSIONS,
  });
  return { ...openDatabase({ pgliteClient: client }), url: undefined };
}

/**
 * The same database for a second app instance: on PostgreSQL through a pool of its own, as
 * another process would have it; PGlite is one process, so the same handle. Close it when it
 * is not `database` itself.
 */
export function secondInstanceDatabase(database: TestDatabase): TestDatabase {
  return database.url ? { ...openDatabase({ url: database.url }), url: database.url } : database;
}
