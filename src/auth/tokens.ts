import { createSecretKey, type KeyObject } from 'node:crypto';
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
  /**
   * Given a string, jsonwebtoken first tries to parse it as a PEM public key on every call and
   * only then falls back to a secret; that failed parse was the largest single cost of an
   * authenticated request. A KeyObject made once skips it.
   */
  readonly #key: KeyObject;

  constructor(
    secret: string,
    readonly expiresInSeconds: number,
  ) {
    this.#key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  issue(claims: TokenClaims): string {
    return jwt.sign({ kind: claims.kind, scope: claims.scopes.join(' ') }, this.#key, {
      algorithm: 'HS256',
      subject: claims.sub,
      issuer: ISSUER,
      expiresIn: this.expiresInSeconds,
    });
  }

  /** Returns the claims of a valid token, or undefined for any invalid, expired or foreign one. */
  verify(token: string): TokenClaims | undefined {
    try {
      const payload = jwt.verify(token, this.#key, { algorithms: ['HS256'], issuer: ISSUER });
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
