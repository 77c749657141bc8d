import type { Logger } from 'pino';
import { bearerAuthenticator, bearerOrBasicAuthenticator, type Authenticator } from './auth/authenticate.js';
import { ClientsService } from './auth/clients.service.js';
import { TokenService } from './auth/tokens.js';
import { UsersService } from './auth/users.service.js';
import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import { createEvents } from './events/setup.js';
import type { EventsService } from './events/events.service.js';
import { createMedia, type MediaCapability } from './media/setup.js';
import { signedUploadHooks } from './transfer/signed-upload.js';
import { createTransfer, type TransferCapability } from './transfer/setup.js';
import { createStores, type StoresCapability } from './stores/setup.js';
import { createTams, type TamsCapability } from './tams/setup.js';

/** A dependency /readyz reports on. `check` throws when the dependency is down. */
export interface ReadinessCheck {
  name: string;
  /** Required checks make /readyz answer 503 when they fail; optional ones report `degraded`. */
  required: boolean;
  check(): Promise<void>;
}

/** Work that runs beside the HTTP server (event dispatch, housekeeping). */
export interface BackgroundWorker {
  name: string;
  start(): void;
  /** Resolves when the worker has finished what it was doing. */
  stop(): Promise<void>;
}

/** Everything the HTTP layer and the workers need, built once per process (or per test). */
export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  logger: Logger;
  tokens: TokenService;
  users: UsersService;
  clients: ClientsService;
  events: EventsService;
  /** Byte stores, signed local URLs and the hooks the media capability plugs into them. */
  stores: StoresCapability;
  /** Identifier types, S3 and store configs, media records, search and history. */
  media: MediaCapability;
  /** Upload, download and streaming of media bytes; fixity verification and audits. */
  transfer: TransferCapability;
  /** TAMS: flows, sources, profiles, webhooks and the service document. */
  tams: TamsCapability;
  authenticate: Authenticator;
  /** /tams also accepts HTTP Basic with a user's password. */
  authenticateTams: Authenticator;
  readiness: ReadinessCheck[];
  workers: BackgroundWorker[];
}

export function createContext(config: Config, database: Database, logger: Logger): AppContext {
  const db = database.db;
  const tokens = new TokenService(config.jwtSecret, config.jwtExpiresInSeconds);
  const users = new UsersService(db, tokens);
  const clients = new ClientsService(db, tokens);
  const events = createEvents(config, db, logger);
  const stores = createStores(config, logger);
  const media = createMedia(config, db, stores, logger);
  // Signed URLs and deletions find stores through the store_configs table: after a restart and on every replica.
  stores.resolver = media.resolver;
  stores.hooks = signedUploadHooks(media.media);
  const transfer = createTransfer(config, db, media, logger);
  const authenticate = bearerAuthenticator(tokens, users, clients);
  const tams = createTams(config, db, {
    sequencer: events.sequencer,
    logger,
    media,
    // Bytes PUT straight to S3 are found by TAMS housekeeping and measured as /complete would.
    finishUpload: (pid) => transfer.transfer.completeIfUploaded({ actor: 'tams-housekeeping', reason: 'uploaded to the presigned URL' }, pid),
  });
  return {
    config,
    database,
    db,
    logger,
    tokens,
    users,
    clients,
    events: events.service,
    stores,
    media,
    transfer,
    tams,
    authenticate,
    authenticateTams: bearerOrBasicAuthenticator(authenticate, users),
    readiness: [{ name: 'database', required: true, check: () => database.ping() }, ...events.readiness],
    workers: [...events.workers, ...stores.workers, ...media.workers, ...transfer.workers, ...tams.workers],
  };
}

/** Accounts the environment asks for. Returns a generated admin password to print, if one was made. */
export async function ensureBootstrapAccounts(ctx: AppContext): Promise<string | undefined> {
  const { config } = ctx;
  const generated = await ctx.users.ensureAdmin(config.superuser.username, config.superuser.password);
  if (config.serviceUser) await ctx.users.ensureUser(config.serviceUser.username, config.serviceUser.password, false);
  if (config.oauthClient) await ctx.clients.ensureClient(config.oauthClient.clientId, config.oauthClient.clientSecret);
  return generated;
}
