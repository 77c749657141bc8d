import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ApiError } from '../http/errors.js';
import { parseBasicAuth } from './basic.js';

/**
 * Failed password attempts are limited per (address, username) pair, so one attacker cannot
 * lock out a user from elsewhere and guessing is slowed. Counted in process memory: with N
 * replicas the effective limit is at most N times the setting (documented in the README).
 * `username` says which account a request tries; requests for which it returns undefined are
 * not counted.
 */
function failedPasswordLimit(
  max: number,
  windowSeconds: number,
  username: (req: Request) => string | undefined,
  failed: (status: number) => boolean,
): RequestHandler {
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit: max,
    skip: (req) => username(req) === undefined,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => !failed(res.statusCode),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${(username(req) ?? '').slice(0, 256)}`,
    handler: (_req, _res, _next, options) => {
      throw new ApiError(429, `too many failed login attempts; try again in ${windowSeconds} s`, undefined, {
        'Retry-After': String(Math.ceil(options.windowMs / 1000)),
      });
    },
  });
}

/** POST /api/login: every answer that is not a success counts. */
export function loginRateLimit(max: number, windowSeconds: number): RequestHandler {
  return failedPasswordLimit(
    max,
    windowSeconds,
    (req) => {
      const body = req.body as { username?: unknown } | undefined;
      return typeof body?.username === 'string' ? body.username : '';
    },
    (status) => status >= 400,
  );
}

/** HTTP Basic on every request (TAMS): only rejected credentials (401) count. */
export function basicAuthRateLimit(max: number, windowSeconds: number): RequestHandler {
  return failedPasswordLimit(
    max,
    windowSeconds,
    (req) => parseBasicAuth(req.headers.authorization, { formEncoded: false })?.id,
    (status) => status === 401,
  );
}
