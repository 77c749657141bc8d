import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';

const dialect = new PgDialect();

/**
 * Runs `query` as a named prepared statement: each connection parses and plans it once, and
 * PostgreSQL moves to a generic plan after five executions, where drizzle's `execute` sends an
 * unnamed statement that is planned at every execution. For statements run very often whose
 * planning costs as much as their execution: segment registration's read statement took about
 * 2.5 ms to plan and 0.5 ms to run. The parameters must not change the best plan (JSON lists do
 * not: their row estimates are constant). `name` must always come with the same SQL text, the
 * parameters aside (node-postgres refuses a name reused for another text). PGlite ignores it.
 */
export function executePrepared(db: Db, name: string, query: SQL): Promise<unknown> {
  return db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
}
