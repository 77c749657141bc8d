/**
 * `npm run bench [name...]` runs every bench/<name>.bench.ts (or the named ones) in turn and
 * prints its figures. Each module exports `run(): Promise<void>` and prints its own table.
 * Benchmarks use PostgreSQL when DATABASE_URL is set (the targets are stated for it).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const selected = wanted.length ? wanted : available;
const unknown = selected.filter((n) => !available.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of selected) {
  console.log(`\n=== ${name} ===`);
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.bench.ts`)).href)) as { run: () => Promise<void> };
  await mod.run();
}
process.exit(0);
