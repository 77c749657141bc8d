import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** A configuration problem: the message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));

/** Default margin of TAMS_OBJECT_RECLAIM_SECONDS over the advertised min_object_timeout. */
const RECLAIM_GRACE_SECONDS = 300;

const int = (fallback: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `must be an integer >= ${min}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** Sizes such as `16mb`, `1gb`, `512kb` or a plain byte count. */
const byteSize = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const m = /^(\d+)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(v.trim());
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `must be a size such as 16mb or 1048576, got "${v}"` });
        return z.NEVER;
      }
      const unit = (m[2] ?? 'b').toLowerCase()[0];
      const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
      return Number(m[1]) * factor;
    });

/**
 * Express's `trust proxy`: a hop count must reach it as a number (the string "1" is read as
 * an address and refused), true/false as booleans; anything else is its list of addresses or
 * subnets (`loopback`, `10.0.0.0/8, 127.0.0.1`).
 */
const trustProxy = optionalString.transform((v): boolean | number | string | undefined => {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
});

const url = (what: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), { message: `must be a ${what} URL` });

/** A host webhooks may call although it is not public: a name or an IP literal, optionally with a port. */
export interface AllowedHost {
  /** As `URL.hostname` spells it: lower case, IPv6 in brackets. */
  hostname: string;
  /** Any port when absent. */
  port?: number;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]@?#]+)(?::(\d{1,5}))?$/;

/** `host` or `host:port`, comma-separated (`127.0.0.1:9000,hooks.internal,[::1]`). */
const hostList = z
  .string()
  .optional()
  .transform((v, ctx): AllowedHost[] => {
    const hosts: AllowedHost[] = [];
    for (const entry of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = HOST_PORT.exec(entry);
      const port = m?.[2] === undefined ? undefined : Number(m[2]);
      if (!m || !URL.canParse(`http://${m[1]}`) || (port !== undefined && (port < 1 || port > 65535))) {
        ctx.addIssue({ code: 'custom', message: `must list hosts or host:port pairs separated by commas; "${entry}" is neither` });
        return z.NEVER;
      }
      hosts.push({ hostname: new URL(`http://${m[1]}`).hostname, ...(port === undefined ? {} : { port }) });
    }
    return hosts;
  });

const envSchema = z.object({
  PORT: int(8000, 0),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: url('postgres://'),
  DATABASE_POOL_SIZE: int(10, 1),
  SUPERUSER_USERNAME: z.string().default('admin'),
  SUPERUSER_PASSWORD: optionalString,
  SERVICEUSER_USERNAME: optionalString,
  SERVICEUSER_PASSWORD: optionalString,
  OAUTH_CLIENT_ID: optionalString,
  OAUTH_CLIENT_SECRET: optionalString,
  JWT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  JWT_EXPIRES_IN: int(3600, 60),
  SECRETS_KEY: optionalString.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v), {
    message: 'must be 64 hex characters (32 bytes)',
  }),
  PUBLIC_URL: url('http(s)://'),
  FILESYSTEM_STORE_ROOT: optionalString,
  DICT_STORE_MAX_BYTES: byteSize(256 * 1024 ** 2),
  S3_RESPONSE_TIMEOUT_MS: int(30_000, 100),
  AMQP_URL: url('amqp://'),
  AMQP_EXCHANGE: z.string().min(1).default('mediastore'),
  EVENTS_RETENTION_DAYS: int(7, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JSON_BODY_LIMIT: byteSize(16 * 1024 ** 2),
  BASE64_UPLOAD_LIMIT: byteSize(128 * 1024 ** 2),
  PRESIGNED_URL_EXPIRES_SECONDS: int(3600, 1),
  LOGIN_RATE_LIMIT: int(10, 1),
  LOGIN_RATE_WINDOW_SECONDS: int(60, 1),
  CORS_ORIGINS: optionalString,
  TRUST_PROXY: trustProxy,
  SHUTDOWN_TIMEOUT_SECONDS: int(25, 1),
  OPENAPI_DOCS: bool(true),
  TAMS_MIN_OBJECT_TIMEOUT_SECONDS: int(600, 300),
  TAMS_MIN_PRESIGNED_URL_TIMEOUT_SECONDS: int(300, 30),
  // Unset (0): TAMS_MIN_OBJECT_TIMEOUT_SECONDS plus a grace period.
  TAMS_OBJECT_RECLAIM_SECONDS: int(0, 0),
  TAMS_HOUSEKEEPING_INTERVAL_SECONDS: int(60, 1),
  TAMS_STORE_TYPE: z.enum(['FilesystemStore', 'BucketStore', 'DictStore']).default('FilesystemStore'),
  TAMS_STORE_BUCKET: z.string().min(1).default('tams'),
  TAMS_STORE_S3_URL: optionalString,
  WEBHOOK_ALLOWED_HOSTS: hostList,
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  WEBHOOK_RETRY_BASE_MS: int(1_000, 1),
  WEBHOOK_RETRY_MAX_MS: int(600_000, 1),
  WEBHOOK_MAX_ATTEMPTS: int(30, 1),
  WEBHOOK_CONCURRENCY: int(16, 1),
  TAMS_INLINE_DELETE_LIMIT: int(2_000, 0),
  TAMS_DELETE_BATCH_SIZE: int(1_000, 1),
  TAMS_DELETE_REQUEST_KEEP_SECONDS: int(86_400, 0),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  superuser: { username: string; password: string | undefined };
  serviceUser: { username: string; password: string } | undefined;
  oauthClient: { clientId: string; clientSecret: string } | undefined;
  jwtSecret: string;
  jwtExpiresInSeconds: number;
  secretsKey: Buffer;
  publicUrl: string;
  filesystemStoreRoot: string;
  /** Bytes all DictStore (in-memory) buckets of the process may hold together. */
  dictStoreMaxBytes: number;
  /** How long an S3 request may wait for the response to begin (a silent endpoint must not hold a request forever). */
  s3ResponseTimeoutMs: number;
  amqpUrl: string | undefined;
  amqpExchange: string;
  /** Days events stay readable in the feed (longer while a live consumer has not delivered them). */
  eventsRetentionDays: number;
  logLevel: string;
  jsonBodyLimit: number;
  /** Largest JSON body of `POST /api/upload` (base64 grows bytes by a third); also bounds base64 downloads. */
  base64UploadLimit: number;
  /** Lifetime of presigned upload and download URLs handed out by /api/upload and /api/download. */
  presignedUrlExpiresSeconds: number;
  loginRateLimit: { max: number; windowSeconds: number };
  corsOrigins: string[];
  /** Express `trust proxy`: hops, all or nothing, or addresses. */
  trustProxy: boolean | number | string | undefined;
  shutdownTimeoutSeconds: number;
  openapiDocs: boolean;
  /** TAMS: how long allocated objects wait to be registered, and how long presigned URLs stay valid (advertised by /tams/service). */
  tams: {
    minObjectTimeoutSeconds: number;
    minPresignedUrlTimeoutSeconds: number;
    /** The default storage backend of TAMS objects: a store config (created at first use). */
    store: { type: 'FilesystemStore' | 'BucketStore' | 'DictStore'; bucket: string; s3Url: string | undefined };
    /** Allocated objects no segment registered within this time are deleted (at least minObjectTimeoutSeconds). */
    objectReclaimSeconds: number;
    /** How often the housekeeping worker looks for such objects and for bytes of object copies to delete. */
    housekeepingIntervalSeconds: number;
  };
  /** TAMS webhook delivery (docs/tams.md#webhooks). */
  webhooks: {
    /** Hosts webhooks may call although they are not public addresses (SSRF policy). */
    allowedHosts: AllowedHost[];
    /** Limit of one POST to a receiver, connection included. */
    timeoutMs: number;
    /** Retry delays double from the base up to the maximum (with jitter). */
    retryBaseMs: number;
    retryMaxMs: number;
    /** Failed attempts at one event after which the webhook goes to `error`. */
    maxAttempts: number;
    /** POSTs in flight at once per process. */
    concurrency: number;
  };
  /** TAMS flow delete requests (docs/tams.md#flow-delete-requests). */
  deleteRequests: {
    /** Deletions of at most this many segments finish within the request; larger ones answer 202. */
    inlineLimit: number;
    /** Segments one transaction of the worker deletes. */
    batchSize: number;
    /** How long a finished request stays readable. */
    keepSeconds: number;
  };
}

/** Parse the environment; throws ConfigError with one line naming the offending variable. */
export function parseEnv(env: NodeJS.ProcessEnv): z.output<typeof envSchema> {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const e = result.data;
  if ((e.SERVICEUSER_USERNAME === undefined) !== (e.SERVICEUSER_PASSWORD === undefined)) {
    throw new ConfigError('invalid configuration: SERVICEUSER_USERNAME and SERVICEUSER_PASSWORD must be set together');
  }
  if ((e.OAUTH_CLIENT_ID === undefined) !== (e.OAUTH_CLIENT_SECRET === undefined)) {
    throw new ConfigError('invalid configuration: OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET must be set together');
  }
  // TAMS: presigned URLs must not outlive the objects they let a client write.
  if ((e.TAMS_STORE_TYPE === 'BucketStore') !== (e.TAMS_STORE_S3_URL !== undefined)) {
    throw new ConfigError('invalid configuration: TAMS_STORE_S3_URL must be set when (and only when) TAMS_STORE_TYPE is BucketStore');
  }
  if (e.TAMS_OBJECT_RECLAIM_SECONDS !== 0 && e.TAMS_OBJECT_RECLAIM_SECONDS < e.TAMS_MIN_OBJECT_TIMEOUT_SECONDS) {
    throw new ConfigError('invalid configuration: TAMS_OBJECT_RECLAIM_SECONDS must not be less than TAMS_MIN_OBJECT_TIMEOUT_SECONDS (the time /tams/service promises clients)');
  }
  if (e.TAMS_MIN_PRESIGNED_URL_TIMEOUT_SECONDS > e.TAMS_MIN_OBJECT_TIMEOUT_SECONDS) {
    throw new ConfigError('invalid configuration: TAMS_MIN_PRESIGNED_URL_TIMEOUT_SECONDS must not exceed TAMS_MIN_OBJECT_TIMEOUT_SECONDS');
  }
  if (e.WEBHOOK_RETRY_BASE_MS > e.WEBHOOK_RETRY_MAX_MS) {
    throw new ConfigError('invalid configuration: WEBHOOK_RETRY_BASE_MS must not exceed WEBHOOK_RETRY_MAX_MS');
  }
  return e;
}

interface GeneratedSecrets {
  jwtSecret: string;
  secretsKey: string;
}

/**
 * Secrets not given in the environment are generated once and kept 0600 in DATA_DIR, so a
 * fresh clone needs no set-up and restarts keep tokens and encrypted data valid. Replicas
 * sharing a database must be given JWT_SECRET and SECRETS_KEY instead.
 */
function loadOrCreateSecrets(dataDir: string): GeneratedSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>;
    if (typeof saved.jwtSecret === 'string' && typeof saved.secretsKey === 'string') {
      return { jwtSecret: saved.jwtSecret, secretsKey: saved.secretsKey };
    }
  }
  const secrets = { jwtSecret: randomBytes(48).toString('base64url'), secretsKey: randomBytes(32).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(env);
  const dataDir = path.resolve(e.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const generated = e.JWT_SECRET && e.SECRETS_KEY ? undefined : loadOrCreateSecrets(dataDir);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    superuser: { username: e.SUPERUSER_USERNAME, password: e.SUPERUSER_PASSWORD },
    serviceUser:
      e.SERVICEUSER_USERNAME && e.SERVICEUSER_PASSWORD
        ? { username: e.SERVICEUSER_USERNAME, password: e.SERVICEUSER_PASSWORD }
        : undefined,
    oauthClient:
      e.OAUTH_CLIENT_ID && e.OAUTH_CLIENT_SECRET
        ? { clientId: e.OAUTH_CLIENT_ID, clientSecret: e.OAUTH_CLIENT_SECRET }
        : undefined,
    jwtSecret: e.JWT_SECRET ?? generated!.jwtSecret,
    jwtExpiresInSeconds: e.JWT_EXPIRES_IN,
    secretsKey: Buffer.from(e.SECRETS_KEY ?? generated!.secretsKey, 'hex'),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    filesystemStoreRoot: path.resolve(e.FILESYSTEM_STORE_ROOT ?? path.join(dataDir, 'stores')),
    dictStoreMaxBytes: e.DICT_STORE_MAX_BYTES,
    s3ResponseTimeoutMs: e.S3_RESPONSE_TIMEOUT_MS,
    amqpUrl: e.AMQP_URL,
    amqpExchange: e.AMQP_EXCHANGE,
    eventsRetentionDays: e.EVENTS_RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    jsonBodyLimit: e.JSON_BODY_LIMIT,
    base64UploadLimit: e.BASE64_UPLOAD_LIMIT,
    presignedUrlExpiresSeconds: e.PRESIGNED_URL_EXPIRES_SECONDS,
    loginRateLimit: { max: e.LOGIN_RATE_LIMIT, windowSeconds: e.LOGIN_RATE_WINDOW_SECONDS },
    corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean) : [],
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    openapiDocs: e.OPENAPI_DOCS,
    tams: {
      minObjectTimeoutSeconds: e.TAMS_MIN_OBJECT_TIMEOUT_SECONDS,
      minPresignedUrlTimeoutSeconds: e.TAMS_MIN_PRESIGNED_URL_TIMEOUT_SECONDS,
      store: { type: e.TAMS_STORE_TYPE, bucket: e.TAMS_STORE_BUCKET, s3Url: e.TAMS_STORE_S3_URL },
      // The spec asks for a grace period beyond the advertised timeout.
      objectReclaimSeconds: e.TAMS_OBJECT_RECLAIM_SECONDS || e.TAMS_MIN_OBJECT_TIMEOUT_SECONDS + RECLAIM_GRACE_SECONDS,
      housekeepingIntervalSeconds: e.TAMS_HOUSEKEEPING_INTERVAL_SECONDS,
    },
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      concurrency: e.WEBHOOK_CONCURRENCY,
    },
    deleteRequests: {
      inlineLimit: e.TAMS_INLINE_DELETE_LIMIT,
      batchSize: e.TAMS_DELETE_BATCH_SIZE,
      keepSeconds: e.TAMS_DELETE_REQUEST_KEEP_SECONDS,
    },
  };
}
