import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

// Query parameters that carry credentials (signed URLs, S3 presigning) are masked in logs.
const SECRET_QUERY_PARAMS = /^(sig|signature|token|access_token|x-amz-signature|x-amz-credential|x-amz-security-token|api_key|key)$/i;

export function maskUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_QUERY_PARAMS.test(name)) params.set(name, '***');
  return `${url.slice(0, q)}?${params.toString()}`;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      // Belt and braces: these fields never reach the log even if something logs a whole object.
      redact: {
        paths: [
          'password',
          '*.password',
          'secret',
          '*.secret',
          'secret_key',
          '*.secret_key',
          'access_key',
          '*.access_key',
          'client_secret',
          '*.client_secret',
          'token',
          '*.token',
          'api_key_value',
          '*.api_key_value',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '***',
      },
    },
    destination,
  );
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** One log line per request, with a request id taken from `X-Request-Id` or generated, and echoed. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: maskUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
