import jwt from 'jsonwebtoken';
import { isScope, type Scope } from './principal.js';

export interface TokenClaims {
  sub: string;
  kind: 'user' | 'client';
  scopes: Scope[];
}

const ISSUER = 'mediastore';

/** Signs and checks the bearer tokens of users (login) and clients (OAuth2). HS256. */
export class TokenService {
  constructor(
    private readonly secret: string,
    readonly expiresInSeconds: number,
  ) {}

  issue(claims: TokenClaims): string {
    return jwt.sign({ kind: claims.kind, scope: claims.scopes.join(' ') }, this.secret, {
      algorithm: 'HS256',
      subject: claims.sub,
      issuer: ISSUER,
      expiresIn: this.expiresInSeconds,
    });
  }

  /** Returns the claims of a valid token, or undefined for any invalid, expired or foreign one. */
  verify(token: string): TokenClaims | undefined {
    try {
      const payload = jwt.verify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER });
      if (typeof payload === 'string' || typeof payload.sub !== 'string') return undefined;
      const kind = payload.kind;
      if (kind !== 'user' && kind !== 'client') return undefined;
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      return { sub: payload.sub, kind, scopes: scope.split(' ').filter(isScope) };
    } catch {
      return undefined;
    }
  }
}
