import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { forbidden } from '../http/errors.js';
import { validateExpiresIn, type PresignedRequest, type PresignGetOptions, type PresignPutOptions } from './store.js';

/**
 * Presigned URLs for the stores this service serves itself (FilesystemStore, DictStore):
 *
 *   ${PUBLIC_URL}/api/signed/<store config id>/<key>?expires=<unix seconds>[&ct=<content type>]&sig=<base64url>
 *
 * `sig` is HMAC-SHA256 over the method (GET also allows HEAD), store config id, key, expiry
 * and content type, with a key derived from SECRETS_KEY for this purpose only, so changing
 * any part of the URL, or using a download URL to upload, invalidates it.
 */

export const SIGNED_URL_PATH = '/api/signed';

export type SignedMethod = 'GET' | 'PUT';

export interface SignedUrlClaims {
  method: SignedMethod;
  storeConfigId: string;
  key: string;
  /** Unix seconds. */
  expires: number;
  contentType?: string;
}

/** The parts of a request to a signed URL, as received. */
export interface SignedUrlRequest {
  method: SignedMethod;
  storeConfigId: string;
  key: string;
  expires: string | undefined;
  contentType: string | undefined;
  sig: string | undefined;
}

/** Issues the signed URLs of one store. */
export interface SignedUrlIssuer {
  presignPut(key: string, options: PresignPutOptions): PresignedRequest;
  presignGet(key: string, options: PresignGetOptions): PresignedRequest;
}

const HKDF_INFO = 'mediastore signed-url v1';

export class UrlSigner {
  readonly #key: Buffer;

  constructor(
    secretsKey: Buffer,
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), HKDF_INFO, 32));
  }

  forStore(storeConfigId: string): SignedUrlIssuer {
    return {
      presignPut: (key, o) => this.issue({ method: 'PUT', storeConfigId, key, ...this.lifetime(o.expiresInSeconds), contentType: o.contentType }),
      presignGet: (key, o) => this.issue({ method: 'GET', storeConfigId, key, ...this.lifetime(o.expiresInSeconds), contentType: o.contentType }),
    };
  }

  issue(claims: SignedUrlClaims): PresignedRequest {
    const url = new URL(`${this.publicUrl}${SIGNED_URL_PATH}/${encodeURIComponent(claims.storeConfigId)}/${encodeKey(claims.key)}`);
    url.searchParams.set('expires', String(claims.expires));
    if (claims.contentType !== undefined) url.searchParams.set('ct', claims.contentType);
    url.searchParams.set('sig', this.signature(claims).toString('base64url'));
    const headers: Record<string, string> = claims.method === 'PUT' && claims.contentType ? { 'Content-Type': claims.contentType } : {};
    return { method: claims.method, url: url.toString(), headers, expiresAt: new Date(claims.expires * 1000) };
  }

  /** The claims of a genuine, unexpired URL; 403 naming the reason otherwise. */
  verify(request: SignedUrlRequest): SignedUrlClaims {
    const { sig, expires } = request;
    if (!sig || !expires) throw forbidden('signed URL is missing its expires or sig parameter');
    const claims: SignedUrlClaims = {
      method: request.method,
      storeConfigId: request.storeConfigId,
      key: request.key,
      expires: /^\d{1,12}$/.test(expires) ? Number(expires) : NaN,
      ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
    };
    const given = Buffer.from(sig, 'base64url');
    const wanted = this.signature(claims);
    if (Number.isNaN(claims.expires) || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw forbidden(`invalid signature: this URL was altered, is not valid for ${request.method}, or was not issued by this service`);
    }
    if (claims.expires * 1000 <= this.now()) {
      throw forbidden(`signed URL expired at ${new Date(claims.expires * 1000).toISOString()}`);
    }
    return claims;
  }

  private lifetime(expiresInSeconds: number): { expires: number } {
    validateExpiresIn(expiresInSeconds);
    return { expires: Math.floor(this.now() / 1000) + expiresInSeconds };
  }

  private signature(c: SignedUrlClaims): Buffer {
    // A JSON array leaves no room for two different claim sets to share a canonical form.
    const canonical = JSON.stringify([c.method, c.storeConfigId, c.key, c.expires, c.contentType ?? null]);
    return createHmac('sha256', this.#key).update(canonical).digest();
  }
}

/** Each `/`-separated segment percent-encoded, so the key reads naturally in the URL path. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
