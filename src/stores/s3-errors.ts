import { ApiError, badGateway, payloadTooLarge, unprocessable } from '../http/errors.js';

/**
 * What S3 failures mean to our callers. A missing bucket is the store config's fault (422);
 * everything else the S3 service does wrong (refused credentials, unreachable, internal
 * errors) is a 502: our service is fine, its upstream is not, and a 401/403 would wrongly
 * suggest the caller's own token lacks rights.
 */

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'Forbidden',
  'InvalidToken',
  'ExpiredToken',
  'InvalidSecurity',
  'AuthorizationHeaderMalformed',
]);

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

interface S3ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export const bucketMissing = (store: string, bucket: string) =>
  unprocessable(`${store}: bucket "${bucket}" does not exist on the S3 service; create it or correct the store config`);

/** An ApiError naming the store for a failure of the S3 service, or `err` itself when it is not one. */
export function s3Failure(err: unknown, store: string, bucket: string): unknown {
  if (err instanceof ApiError) return err;
  const e = (err ?? {}) as S3ErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const status = e.$metadata?.httpStatusCode;
  // Replies to HEAD have no body, so the SDK can only name them by status.
  const label = name && name !== 'Unknown' ? name : `HTTP ${status}`;
  if (name === 'NoSuchBucket') return bucketMissing(store, bucket);
  if (CREDENTIAL_ERRORS.has(name) || status === 403) {
    return badGateway(`${store}: the S3 service refused our credentials or access (${label}); check the S3 config's keys and the bucket's policy`);
  }
  const network = networkCode(err);
  if (network || name === 'TimeoutError') return badGateway(`${store}: cannot reach the S3 endpoint (${network ?? name})`);
  if (name === 'EntityTooLarge') return payloadTooLarge(`${store}: object too large for the S3 service`);
  if (status !== undefined) return badGateway(`${store}: the S3 service failed (${label})`);
  return err;
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as S3ErrorShape).code;
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) return code;
    // Happy-eyeballs connects fail with an AggregateError of one error per address.
    const inner = (e as S3ErrorShape).errors;
    if (Array.isArray(inner)) for (const i of inner) if (NETWORK_ERRORS.has(String((i as S3ErrorShape).code))) return String((i as S3ErrorShape).code);
  }
  return undefined;
}

/** The object is missing (not the bucket: HEAD replies carry no body, so a bucket check must follow). */
export function isMissingObject(err: unknown): boolean {
  const e = (err ?? {}) as S3ErrorShape;
  if (e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
