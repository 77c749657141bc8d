import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ApiError } from '../http/errors.js';

/**
 * Failed logins are limited per (address, username) pair, so one attacker cannot lock out a
 * user from elsewhere and guessing is slowed. Counted in process memory: with N replicas the
 * effective limit is at most N times the setting (documented in the README).
 */
export function loginRateLimit(max: number, windowSeconds: number): RequestHandler {
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit: max,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const body = req.body as { username?: unknown } | undefined;
      const username = typeof body?.username === 'string' ? body.username.slice(0, 256) : '';
      return `${ipKeyGenerator(req.ip ?? '')}|${username}`;
    },
    handler: (_req, _res, _next, options) => {
      throw new ApiError(429, `too many failed login attempts; try again in ${windowSeconds} s`, undefined, {
        'Retry-After': String(Math.ceil(options.windowMs / 1000)),
      });
    },
  });
}
