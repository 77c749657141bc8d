import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createContext, ensureBootstrapAccounts, type AppContext } from './context.js';
import { openDatabase } from './db/client.js';
import { createLogger } from './http/logging.js';

loadDotenv({ quiet: true });

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const startedAt = performance.now();
const logger = createLogger(config.logLevel);
const database = openDatabase({
  url: config.databaseUrl,
  pgliteDir: path.join(config.dataDir, 'db'),
  poolSize: config.databasePoolSize,
  onPoolError: (err) => logger.warn({ err: err.message }, 'idle database connection lost'),
});

async function start(): Promise<{ ctx: AppContext; server: Server }> {
  await database.migrate();
  const ctx = createContext(config, database, logger);
  const generatedPassword = await ensureBootstrapAccounts(ctx);
  if (generatedPassword) announceGeneratedPassword(config, generatedPassword);
  const app = createApp(ctx);
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  for (const worker of ctx.workers) worker.start();
  logger.info(
    { port: config.port, host: config.host, database: database.kind, startupMs: Math.round(performance.now() - startedAt) },
    `mediastore listening on http://${config.host}:${config.port} (docs: ${config.publicUrl}/api/docs)`,
  );
  return { ctx, server };
}

/** Printed once, on the start that creates the account; also saved 0600 for the operator. */
function announceGeneratedPassword(cfg: Config, password: string): void {
  const file = path.join(cfg.dataDir, 'admin-password');
  writeFileSync(file, `${cfg.superuser.username}:${password}\n`, { mode: 0o600 });
  process.stdout.write(
    `\n  Created administrator "${cfg.superuser.username}" with password: ${password}\n` +
      `  (saved to ${file}; set SUPERUSER_PASSWORD to choose your own)\n\n`,
  );
}

async function shutdown(ctx: AppContext, server: Server, signal: string): Promise<void> {
  logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
  const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutSeconds * 1000);
  force.unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await Promise.all(ctx.workers.map((w) => w.stop().catch((err: unknown) => logger.warn({ err }, `stopping ${w.name}`))));
  await database.close();
  logger.info('shut down cleanly');
}

start().then(
  ({ ctx, server }) => {
    let stopping = false;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        shutdown(ctx, server, signal).then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  },
  (err: unknown) => {
    logger.fatal({ err }, 'start failed');
    process.exit(1);
  },
);
