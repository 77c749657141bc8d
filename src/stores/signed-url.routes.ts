import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { ApiError, badRequest, forbidden, notFound } from '../http/errors.js';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { parseChecksum } from './hashing.js';
import { parseRangeHeader } from './ranges.js';
import type { StoresCapability } from './setup.js';
import { SIGNED_URL_PATH, type SignedMethod, type SignedUrlClaims } from './signed-url.js';
import type { ExpectedChecksums, ObjectStream, Store } from './store.js';

// Mounted under /api; the signer builds URLs with the same path.
const path = `${SIGNED_URL_PATH.replace(/^\/api/, '')}/:store/*key`;
const params = z.object({ store: z.string(), key: z.array(z.string()) });
const tags = ['Signed URLs'];
const description =
  'Presigned URL of a FilesystemStore or DictStore, issued by the API (no bearer token). ' +
  '403 when the signature does not match or has expired.';

/** GET/HEAD/PUT of signed local-store URLs (`/api/signed/<store config id>/<key>?expires=&sig=`). */
export function signedUrlRoutes(stores: StoresCapability): RouteDef[] {
  const authorize = async (req: Request, method: SignedMethod, p: z.output<typeof params>) => {
    const q = req.query as Record<string, unknown>;
    const claims = stores.signer.verify({
      method,
      storeConfigId: p.store,
      key: p.key.join('/'),
      expires: stringParam(q.expires),
      contentType: stringParam(q.ct),
      sig: stringParam(q.sig),
    });
    const store = await stores.resolver.storeFor(claims.storeConfigId);
    if (!store) throw notFound(`store config "${claims.storeConfigId}" does not exist`);
    return { claims, store };
  };

  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'head', path, operationId: 'headSignedObject', access: 'public', tags, hidden: true,
      summary: 'Size and type of an object, through a signed download URL', description, params,
      responses: { 200: { description: 'Headers only' }, 403: { description: 'Bad or expired signature' }, 404: { description: 'No such object' } },
      handler: async ({ params: p, req, res }) => {
        const { claims, store } = await authorize(req, 'GET', p);
        const info = await store.head(claims.key);
        if (!info) throw notFound(`object "${claims.key}" not found in ${store.describe()}`);
        res.status(200);
        setObjectHeaders(res, claims, { size: info.size, length: info.size, contentType: info.contentType, etag: info.etag });
        res.end();
      },
    }),
    defineRoute({
      method: 'get', path, operationId: 'getSignedObject', access: 'public', tags, hidden: true,
      summary: 'Download an object through a signed URL; single byte ranges supported', description, params,
      responses: {
        200: { description: 'The object', contentType: 'application/octet-stream' },
        206: { description: 'The requested range' },
        403: { description: 'Bad or expired signature' },
        404: { description: 'No such object' },
        416: { description: 'Range outside the object' },
      },
      handler: async ({ params: p, req, res }) => {
        const { claims, store } = await authorize(req, 'GET', p);
        const range = parseRangeHeader(req.headers.range);
        const object = await store.get(claims.key, range ? { range } : {});
        res.status(object.range ? 206 : 200);
        setObjectHeaders(res, claims, object);
        await sendBody(object, res);
      },
    }),
    defineRoute({
      method: 'put', path, operationId: 'putSignedObject', access: 'public', tags, hidden: true,
      summary: 'Upload an object through a signed URL (the raw bytes as the body)', description, params,
      rawBody: { contentType: 'application/octet-stream', description: 'The bytes of the object' },
      responses: {
        200: { description: 'Stored; the body reports size and checksums' },
        403: { description: 'Bad or expired signature, or a Content-Type other than the signed one' },
        422: { description: 'Content-MD5 or x-checksum-sha256 did not match the bytes; nothing was stored' },
        507: { description: 'The store is full' },
      },
      handler: async ({ params: p, req, res }) => {
        const { claims, store } = await authorize(req, 'PUT', p);
        const contentType = uploadContentType(req, claims);
        const expected = expectedChecksums(req);
        await stores.hooks.beforePut?.(claims.storeConfigId, claims.key);
        const stored = await store.put(claims.key, req, { ...(contentType ? { contentType } : {}), expected }).catch(interruptedUpload(req));
        await notifyStored(stores, store, claims, stored);
        res.setHeader('ETag', `"${stored.md5}"`);
        return { key: claims.key, size: stored.size, sha256: stored.sha256, md5: stored.md5 };
      },
    }),
  ];
}

/** The hook's failure undoes the upload, so that a failed request leaves nothing behind. */
async function notifyStored(stores: StoresCapability, store: Store, claims: SignedUrlClaims, stored: Awaited<ReturnType<Store['put']>>) {
  try {
    await stores.hooks.onStored?.(claims.storeConfigId, claims.key, stored);
  } catch (err) {
    await store.delete(claims.key);
    throw err;
  }
}

function setObjectHeaders(res: Response, claims: SignedUrlClaims, object: Pick<ObjectStream, 'size' | 'length' | 'range' | 'etag'> & { contentType?: string | undefined }) {
  // setHeader, not res.set: Express would append a charset to text types.
  res.setHeader('Content-Type', claims.contentType ?? object.contentType ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(object.length));
  res.setHeader('Accept-Ranges', 'bytes');
  if (object.range) res.setHeader('Content-Range', `bytes ${object.range.start}-${object.range.end}/${object.size}`);
  if (object.etag) res.setHeader('ETag', `"${object.etag}"`);
}

/** Reports a client that hung up mid-body as such (400), not as whatever the store made of it. */
export const interruptedUpload = (req: Request) => (err: unknown) => {
  throw err instanceof ApiError || !(req.destroyed && !req.complete) ? err : badRequest('upload interrupted before the end of the body; nothing was stored');
};

export async function sendBody(object: ObjectStream, res: Response): Promise<void> {
  try {
    await pipeline(object.body, res);
  } catch (err) {
    // A client that hangs up mid-download is not a server error; pipeline has closed the source.
    if (res.destroyed && (err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  }
}

function uploadContentType(req: Request, claims: SignedUrlClaims): string | undefined {
  const sent = req.headers['content-type'];
  if (claims.contentType !== undefined && sent !== undefined && sent !== claims.contentType) {
    throw forbidden(`this URL was signed for Content-Type "${claims.contentType}", the request sent "${sent}"`);
  }
  return claims.contentType ?? sent;
}

/** Checksums the uploader promised in `Content-MD5`, `x-checksum-sha256` or `x-amz-checksum-sha256`. */
export function expectedChecksums(req: Request): ExpectedChecksums {
  const expected: ExpectedChecksums = {};
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string') expected.md5 = parseChecksum(md5, 'md5', ['header', 'content-md5']);
  for (const name of ['x-checksum-sha256', 'x-amz-checksum-sha256']) {
    const sha256 = req.headers[name];
    if (typeof sha256 === 'string') expected.sha256 = parseChecksum(sha256, 'sha256', ['header', name]);
  }
  return expected;
}

const stringParam = (v: unknown) => (typeof v === 'string' ? v : undefined);
