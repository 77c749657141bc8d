/**
 * Looking media records up by a list of pids, as bulk deletions (MediaDeletion.removeMany),
 * bulk reads and TAMS allocations do: 500 pids among 111,000 records whose pids share a
 * prefix per flow (`<8 hex>-<n>`, as TAMS objects seeded by the tams-delete bench), in a table
 * just filled by SQL (the trigram index's pending list full). Prints EXPLAIN ANALYZE of the
 * list of parameters (`pid in ($1..$500)`, drizzle's inArray) and of the form the repository
 * uses (`pid = any(array(select jsonb_array_elements_text($1)))`), then the repository's own
 * lookups. PostgreSQL when DATABASE_URL is set, else PGlite.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench pid-lookup
 */
import { cpus, loadavg } from 'node:os';
import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { rowsOf } from '../src/db/rows.js';
import * as mediaRepo from '../src/media/media.repo.js';
import { media } from '../src/media/media.tables.js';
import { freshDatabase } from './harness.js';

const GROUPS = [
  { prefix: 'a1b2c3d4', n: 100_000 },
  { prefix: 'f6374a5e', n: 1_000 },
  { prefix: '0c9e8d7f', n: 10_000 },
];
const LOOKUP = 500;
const ROUNDS = 3;

async function seed(db: Db): Promise<void> {
  await db.execute(sql`insert into identifier_types (name, pattern, created_by, updated_by) values ('tams_object', '', 'bench', 'bench')`);
  await db.execute(sql`insert into store_configs (type, bucket, location, created_by) values ('FilesystemStore', 'tams', 'tams', 'bench')`);
  for (const { prefix, n } of GROUPS) {
    const pid = sql.raw(`'${prefix}-' || g`);
    await db.execute(sql`insert into media (pid, pid_type, store_config_id, store_key, store_status, size, sha256, md5, content_type, created_by, updated_by)
      select ${pid}, 'tams_object', (select min(id) from store_configs), 'objects/' || ${pid}, 'READY', 1000, repeat('0', 64), repeat('0', 32), 'video/mp2t', 'bench', 'bench'
      from generate_series(0, ${n - 1}) g`);
  }
  await db.execute(sql`analyze`);
}

async function explain(db: Db, where: SQL): Promise<{ ms: number; index: string }> {
  const plan = rowsOf<Record<string, string>>(await db.execute(sql`explain (analyze) select distinct store_config_id from media where ${where}`)).map((r) => Object.values(r)[0]!);
  const ms = Number(/Execution Time: ([\d.]+)/.exec(plan.join('\n'))?.[1] ?? NaN);
  const index = /(?:Index|Bitmap Index) Scan (?:using|on) (\w+)/.exec(plan.join('\n'))?.[1] ?? 'no index (sequential scan)';
  return { ms, index };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);
  const bench = await freshDatabase('pid_lookup');
  try {
    const db = bench.database.db;
    let started = performance.now();
    await seed(db);
    console.log(`  seeded ${GROUPS.reduce((a, g) => a + g.n, 0)} media records in ${Math.round(performance.now() - started)} ms`);
    const pids = Array.from({ length: LOOKUP }, (_, g) => `${GROUPS[1]!.prefix}-${g}`);
    const forms: [string, SQL][] = [
      [`pid in ($1..$${LOOKUP}) (inArray)`, inArray(media.pid, pids)],
      ['pid = any(array(select jsonb_array_elements_text($1)))', sql`${media.pid} = any(array(select jsonb_array_elements_text(${JSON.stringify(pids)}::jsonb)))`],
    ];
    for (const [name, where] of forms) {
      const runs = [];
      for (let i = 0; i < ROUNDS; i++) runs.push(await explain(db, where));
      console.log(`  ${name.padEnd(58)} ${runs.map((r) => `${r.ms.toFixed(1)} ms`).join(', ')} via ${runs[0]!.index}`);
    }
    for (const [name, fn] of [
      ['storeConfigsOf', () => mediaRepo.storeConfigsOf(db, pids)],
      ['findByPids', () => mediaRepo.findByPids(db, pids)],
      ['existingPids', () => mediaRepo.existingPids(db, pids)],
      ['lockByPids (in a transaction)', () => db.transaction((tx) => mediaRepo.lockByPids(tx, pids))],
    ] as const) {
      started = performance.now();
      const times = [];
      for (let i = 0; i < ROUNDS; i++) times.push(await timed(fn));
      console.log(`  ${`media.repo ${name}, ${LOOKUP} pids`.padEnd(58)} ${times.map((t) => `${t.toFixed(1)} ms`).join(', ')}`);
    }
  } finally {
    await bench.close();
  }
}
