import { isDeepStrictEqual } from 'node:util';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { prepareErrorReply } from '../../http/error-handler.js';
import { ValidationError, type ApiError } from '../../http/errors.js';
import { tamsReply } from './reply.js';

const TYPES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
};

/**
 * The TAMS error body: the spec's error schema (`type`, `summary`, `time`), `detail` where there
 * is more to say (the validation issues, or the resources in conflict), and `message`, which
 * clients written against the AWS reference store read: the summary, or for invalid input the
 * list of messages, one per field.
 */
export function tamsErrorBody(status: number, error: ApiError) {
  const issues = error instanceof ValidationError ? error.issues : undefined;
  const redundant = isDeepStrictEqual(error.detail, [{ error: error.message }]);
  return {
    type: issues ? 'ValidationError' : (TYPES[status] ?? 'Error'),
    summary: error.message,
    ...(error.detail !== undefined && !redundant ? { detail: error.detail } : {}),
    time: new Date().toISOString(),
    message: issues ? issues.map((i) => (i.loc.length ? `${i.loc.join('.')}: ${i.msg}` : i.msg)) : error.message,
  };
}

export function tamsErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = prepareErrorReply(err, req, res, logger);
    if (!error) return;
    // Bad input is a 400 in TAMS, whichever layer noticed it (zod, the database).
    const status = error.status === 422 ? 400 : error.status;
    res.set(error.headers ?? {});
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tams", Basic realm="tams", charset="UTF-8"');
    tamsReply(res, status, tamsErrorBody(status, error));
  };
}
