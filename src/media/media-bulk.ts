import type { Logger } from 'pino';
import { fromFrameworkError } from '../http/errors.js';
import type { BulkResult } from './media-bulk.schemas.js';

/** The `error` of a failed item: the kind of failure, from the status it would have had alone. */
const ERROR_KINDS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  422: 'ValidationError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  507: 'InsufficientStorage',
};

/**
 * Applies `apply` to each item in turn (each in its own transaction, in the order given, so a
 * pid listed twice sees its own earlier change) and reports AMPLIfy's
 * `{"successes": [pids], "failures": [{"pid", "error", "msg"}]}`. An item that fails, for any
 * reason, fails alone: the request itself never becomes a 500.
 */
export async function applyEach<T>(items: T[], pidOf: (item: T) => string, apply: (item: T) => Promise<unknown>, logger: Logger): Promise<BulkResult> {
  const result: BulkResult = { successes: [], failures: [] };
  for (const item of items) {
    const pid = pidOf(item);
    try {
      await apply(item);
      result.successes.push(pid);
    } catch (err) {
      result.failures.push(failureOf(pid, err, logger));
    }
  }
  return result;
}

/** AMPLIfy's `{pid, error, msg}` for one item that failed: the kind of failure and its message, never a stack. */
export function failureOf(pid: string, err: unknown, logger: Logger): { pid: string; error: string; msg: string } {
  const known = fromFrameworkError(err);
  if (!known) logger.error({ err, pid }, 'bulk media item failed');
  return {
    pid,
    error: known ? (ERROR_KINDS[known.status] ?? `Error${known.status}`) : 'InternalError',
    msg: known ? known.message : 'internal error; the server log has the details',
  };
}
