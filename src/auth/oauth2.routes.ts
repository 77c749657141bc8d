import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ValidationError } from '../http/errors.js';
import { toApiError } from '../http/error-handler.js';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { parseBasicAuth } from './basic.js';
import { TokenRequest, TokenResponse } from './clients.schemas.js';
import { OAuthError, type ClientsService } from './clients.service.js';

export function oauth2Routes(clients: ClientsService): RouteDef[] {
  return [
    defineRoute({
      method: 'post', path: '/token', operationId: 'issueClientCredentialsToken', access: 'public', tags: ['Auth'],
      summary: 'OAuth2 client-credentials grant (RFC 6749 §4.4)',
      description: 'Form body. Client authentication by HTTP Basic (`client_secret_basic`) or by `client_id`/`client_secret` in the body (`client_secret_post`), not both.',
      body: TokenRequest, bodyTypes: ['form'],
      responses: {
        200: { description: 'Access token', schema: TokenResponse },
        400: { description: '`invalid_request`, `unsupported_grant_type` or `invalid_scope`' },
        401: { description: '`invalid_client`' },
      },
      handler: async ({ body, req, res }) => {
        const basic = parseBasicAuth(req.headers.authorization);
        if (basic && (body.client_id !== undefined || body.client_secret !== undefined)) {
          throw new OAuthError(400, 'invalid_request', 'use one client authentication method, not both');
        }
        if (!body.grant_type) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
        if (body.grant_type !== 'client_credentials') {
          throw new OAuthError(400, 'unsupported_grant_type', 'only client_credentials is supported');
        }
        const id = basic?.id ?? body.client_id;
        const secret = basic?.secret ?? body.client_secret;
        if (!id || secret === undefined) throw new OAuthError(401, 'invalid_client', 'client credentials are required');
        const token = await clients.issueToken(id, secret, body.scope);
        res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
        return token;
      },
    }),
  ];
}

/** RFC 6749 §5.2 error bodies for the token endpoint. */
export function oauth2ErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    if (err instanceof OAuthError) {
      if (err.status === 401 && parseBasicAuth(req.headers.authorization)) res.set('WWW-Authenticate', 'Basic realm="mediastore"');
      res.status(err.status).json({ error: err.error, error_description: err.description });
      return;
    }
    const apiError = err instanceof ValidationError ? err : toApiError(err, req, logger);
    const status = apiError.status;
    const error = status >= 500 ? 'server_error' : 'invalid_request';
    res.status(status === 422 || status === 415 ? 400 : status).json({ error, error_description: apiError.message });
  };
}
