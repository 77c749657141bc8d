import type { Request } from 'express';
import { unauthorized } from '../http/errors.js';
import { parseBasicAuth, parseBearer } from './basic.js';
import type { ClientsService } from './clients.service.js';
import type { Principal } from './principal.js';
import type { TokenService } from './tokens.js';
import type { UsersService } from './users.service.js';

export type Authenticator = (req: Request) => Promise<Principal | undefined>;

/**
 * Bearer tokens from /api/login and /oauth2/token. The account behind a valid token is looked
 * up on every request, so disabling a user or client takes effect at once.
 */
export function bearerAuthenticator(tokens: TokenService, users: UsersService, clients: ClientsService): Authenticator {
  return async (req) => {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const token = parseBearer(header);
    if (!token) throw unauthorized('Authorization header must be "Bearer <token>"');
    const claims = tokens.verify(token);
    if (!claims) throw unauthorized('invalid or expired token');
    const principal =
      claims.kind === 'user'
        ? await users.principalFor(claims.sub, claims.scopes)
        : await clients.principalFor(claims.sub, claims.scopes);
    if (!principal) throw unauthorized('the account behind this token is disabled or removed');
    return principal;
  };
}

/**
 * TAMS accepts bearer tokens and HTTP Basic with a user's username and password (the spec's
 * `bearer_token_auth` and `basic_auth`). Its third scheme, a token in the `access_token` query
 * parameter, is refused with a 401 that says why: URLs end up in proxy logs and histories.
 */
export function bearerOrBasicAuthenticator(bearer: Authenticator, users: UsersService): Authenticator {
  return async (req) => {
    if (req.query.access_token !== undefined) {
      throw unauthorized('access_token in the URL is not accepted; send the token as "Authorization: Bearer <token>"');
    }
    const basic = parseBasicAuth(req.headers.authorization, { formEncoded: false });
    if (!basic) return bearer(req);
    const principal = await users.principalForPassword(basic.id, basic.secret);
    if (!principal) throw unauthorized('invalid username or password');
    return principal;
  };
}
