import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../config.js';
import { createContext } from '../context.js';
import { openDatabase } from '../db/client.js';
import { createLogger } from '../http/logging.js';
import { AuditCreate } from './fixity.schemas.js';

/**
 * `npm run fixity -- [--store <pk>] [--tag <tag>] [--stored-before <ISO time>] [--not-verified-for <seconds>]`
 *
 * Runs a fixity audit from the shell, with the same selection, records and events as
 * `POST /api/fixity/audit`, and a progress bar. Exit status: 0 all match, 1 mismatches
 * found, 2 the audit could not run.
 */
async function main(): Promise<number> {
  loadDotenv({ quiet: true });
  const { values } = parseArgs({
    options: {
      store: { type: 'string' },
      tag: { type: 'string' },
      'stored-before': { type: 'string' },
      'not-verified-for': { type: 'string' },
      reason: { type: 'string' },
    },
  });
  const selection = AuditCreate.safeParse({
    ...(values.store !== undefined ? { store_config: Number(values.store) } : {}),
    ...(values.tag !== undefined ? { tag: values.tag } : {}),
    ...(values['stored-before'] !== undefined ? { stored_before: values['stored-before'] } : {}),
    ...(values['not-verified-for'] !== undefined ? { not_verified_for: Number(values['not-verified-for']) } : {}),
  });
  if (!selection.success) {
    console.error(`bad selection: ${selection.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const database = openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'db'), poolSize: 2 });
  try {
    await database.migrate();
    const { fixity } = createContext(config, database, logger).transfer;
    const change = { actor: `(fixity cli: ${process.env.USER ?? 'shell'})`, reason: values.reason ?? null };
    const audit = await fixity.createAudit(change, selection.data);
    const bar = new SingleBar({ format: 'fixity audit {id} [{bar}] {value}/{total} records | {eta_formatted} left', hideCursor: true }, Presets.shades_classic);
    bar.start(audit.total, 0, { id: audit.id });
    await fixity.runAudit(change, audit.id, selection.data, 0, (p) => bar.update(p.checked));
    bar.stop();
    const done = await fixity.audit(audit.id);
    process.stdout.write(`audit ${done.id} ${done.status}: ${done.checked} checked, ${done.matched} match, ${done.mismatched} mismatch, ${done.errors} unreadable\n`);
    for (const pid of done.mismatches) process.stdout.write(`mismatch: ${pid}\n`);
    if (done.status !== 'done') return 2;
    return done.mismatched > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  },
);
