import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, fromFrameworkError } from './errors.js';

/**
 * Resolves any thrown value to an ApiError. Unknown errors become a 500 whose details go to
 * the log only: the client gets the request id to quote, never a stack trace.
 */
export function toApiError(err: unknown, req: Request, logger: Logger): ApiError {
  const known = fromFrameworkError(err);
  if (known) {
    if (known.status >= 500) logger.warn({ err, reqId: req.id }, known.message);
    return known;
  }
  logger.error({ err, reqId: req.id }, 'unhandled error');
  return new ApiError(500, `internal server error (request id ${String(req.id)})`);
}

/**
 * What every face's error handler does first: resolves the error; drops the connection and
 * returns undefined when the response has already started.
 */
export function prepareErrorReply(err: unknown, req: Request, res: Response, logger: Logger): ApiError | undefined {
  const apiError = toApiError(err, req, logger);
  if (res.headersSent) {
    res.destroy();
    return undefined;
  }
  // A body left unread (an upload refused early) leaves the connection unusable: tell the
  // client not to reuse it, rather than have its next request fail with a reset.
  if (!req.complete) res.setHeader('Connection', 'close');
  return apiError;
}

/** The /api wire format: `{"error": message, "detail": ...}` (FastAPI clients read `detail`). */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = prepareErrorReply(err, req, res, logger);
    if (!apiError) return;
    res.status(apiError.status).set(apiError.headers ?? {});
    res.json({ error: apiError.message, detail: apiError.detail ?? apiError.message });
  };
}
