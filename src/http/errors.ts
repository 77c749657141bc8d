/**
 * The error model shared by every capability. Services throw these; each HTTP face (the
 * AMPLIfy-compatible /api, TAMS, OAuth2) renders them in its own wire format.
 */

/** One entry of an AMPLIfy/FastAPI-style validation `detail` list. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    /** Extra machine-readable detail: a validation list, or a domain-rule list. */
    readonly detail?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, detail?: unknown) => new ApiError(400, message, detail);
export const unauthorized = (message = 'authentication required') =>
  new ApiError(401, message, undefined, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (message = 'forbidden') => new ApiError(403, message);
export const notFound = (message: string) => new ApiError(404, message);
export const methodNotAllowed = (message: string, allow: string) => new ApiError(405, message, undefined, { Allow: allow });
export const conflict = (message: string, detail?: unknown) => new ApiError(409, message, detail);
export const payloadTooLarge = (message: string) => new ApiError(413, message);
export const unsupportedMediaType = (message: string) => new ApiError(415, message);
export const serviceUnavailable = (message: string) => new ApiError(503, message);
export const rangeNotSatisfiable = (size: number, message: string) =>
  new ApiError(416, message, undefined, { 'Content-Range': `bytes */${size}` });
/** An upstream service (S3) failed or refused us; the message names which. */
export const badGateway = (message: string) => new ApiError(502, message);
export const insufficientStorage = (message: string) => new ApiError(507, message);

/** 422 with an AMPLIfy-style `detail` list. */
export const unprocessable = (message: string, detail?: ValidationIssue[] | { error: string }[]) =>
  new ApiError(422, message, detail ?? [{ error: message }]);

export class ValidationError extends ApiError {
  override name = 'ValidationError';
  constructor(readonly issues: ValidationIssue[]) {
    super(422, summarizeIssues(issues), issues);
  }
}

export function summarizeIssues(issues: ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.loc.length ? `${i.loc.join('.')}: ${i.msg}` : i.msg))
    .join('; ');
}

// SQLSTATE classes and socket errors that mean "the database cannot be reached right now".
const DB_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE']);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (DB_UNAVAILABLE_CODES.has(code)) return true;
      // 08xxx connection exceptions, 57P0x operator intervention (shutdown), 53300 too many connections
      if (/^(08...|57P0[1-4]|53300)$/.test(code)) return true;
    }
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/.test(
        message,
      )
    ) {
      return true;
    }
  }
  return false;
}

/**
 * The database refusing a value (SQLSTATE class 22 "data exception", e.g. a NUL character in
 * text, a number out of range; 54000 a value too large to index) is bad input, not a fault.
 * Returns Postgres' message, which names the problem but not the data.
 */
function databaseRejectedValue(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22...|54000)$/.test(code)) return String((e as { message?: unknown }).message);
  }
  return undefined;
}

/** Postgres unique violation, looking through drizzle's wrapping. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') {
      return constraint === undefined || (e as { constraint?: unknown }).constraint === constraint;
    }
  }
  return false;
}

/** Maps body-parser and other framework errors to ApiError; returns undefined for unknown errors. */
export function fromFrameworkError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const e = err as { type?: unknown; status?: unknown; limit?: unknown; message?: unknown; expose?: unknown };
  switch (e.type) {
    case 'entity.parse.failed':
      return badRequest(`malformed JSON body: ${String(e.message)}`);
    case 'entity.too.large':
      return payloadTooLarge(`request body exceeds the limit of ${String(e.limit)} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return unsupportedMediaType(String(e.message));
    case 'request.aborted':
      return badRequest('request aborted by the client');
    case 'entity.verify.failed':
      return badRequest(String(e.message));
    default:
      break;
  }
  // The router could not percent-decode a path parameter (`/api/media/%E0%A4%A`).
  if (err instanceof URIError && e.status === 400) return badRequest(`malformed URL: ${String(e.message)}`);
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return new ApiError(e.status, String(e.message));
  }
  if (isDatabaseUnavailable(err)) return serviceUnavailable('database unavailable, try again shortly');
  const rejected = databaseRejectedValue(err);
  if (rejected) return unprocessable(`value rejected by the database: ${rejected}`);
  return undefined;
}
