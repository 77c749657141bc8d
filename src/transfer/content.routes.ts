import type { Response } from 'express';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { reads, writes } from '../media/access.js';
import { changeBy } from '../media/change.js';
import { PidParams } from '../media/media.schemas.js';
import { parseRangeHeader } from '../stores/ranges.js';
import { expectedChecksums, interruptedUpload, sendBody } from '../stores/signed-url.routes.js';
import type { MediaContent, TransferService } from './transfer.service.js';
import { ContentHeaders, ContentResponseHeaders, ReplaceQuery, StoredContent } from './transfer.schemas.js';

const tags = ['Transfer'];
const path = '/media/*pid/content';

/** Streaming upload and download of a record's bytes: any size, constant memory. */
export function contentRoutes(transfer: TransferService): RouteDef[] {
  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'put', path, operationId: 'putMediaContent', ...writes, tags,
      summary: 'Upload the bytes of a media record as the raw request body (streamed, any size)',
      description:
        'Size, SHA-256 and MD5 are measured while the bytes stream in; `Content-Type` is kept. `Content-MD5` and `x-checksum-sha256` are checked: ' +
        'a mismatch is a 422 and nothing is kept. A READY record answers 409 unless `replace=true`. An interrupted body leaves nothing behind.',
      params: PidParams, query: ReplaceQuery, headers: ContentHeaders,
      rawBody: { contentType: 'application/octet-stream', description: 'The bytes (any Content-Type)' },
      responses: {
        200: { description: 'Stored; the record is READY', schema: StoredContent },
        400: { description: 'The body was interrupted; nothing was stored' },
        404: { description: 'No such record' },
        409: { description: 'The record already has its bytes (use replace=true) or is being deleted' },
        422: { description: 'A checksum header did not match the bytes; nothing was kept' },
        507: { description: 'The store is full' },
      },
      handler: async ({ params, query, headers, principal, req, res }) => {
        const stored = await transfer
          .putContent(changeBy(principal, headers), params.pid, req, { contentType: req.headers['content-type'], expected: expectedChecksums(req), replace: query.replace })
          .catch(interruptedUpload(req));
        res.setHeader('ETag', `"${stored.sha256}"`);
        return { pid: stored.pid, size: stored.size, sha256: stored.sha256, md5: stored.md5, content_type: stored.contentType ?? null };
      },
    }),
    defineRoute({
      method: 'get', path, operationId: 'getMediaContent', ...reads, tags,
      summary: 'Download the bytes of a media record (streamed; one byte range supported)',
      description:
        'Checksums of the whole object come as `ETag`, `x-checksum-sha256`, `x-checksum-md5` and `Repr-Digest` (RFC 9530), also on 206 answers. ' +
        'HEAD answers the same headers without the body.',
      params: PidParams,
      responses: {
        200: { description: 'The bytes', contentType: 'application/octet-stream', headers: ContentResponseHeaders },
        206: { description: 'The requested range', headers: ContentResponseHeaders },
        404: { description: 'No such record, or its object is missing from the store' },
        409: { description: 'The record is PENDING' },
        416: { description: 'The range lies outside the object' },
      },
      // Not declared as a documented HEAD operation: next to the PUT of the same path, that stops Swagger UI
      // from rendering the rest of the document. Express answers HEAD through this GET route anyway.
      handler: async ({ params, req, res }) => {
        const content = await transfer.content(params.pid, parseRangeHeader(req.headers.range));
        res.status(content.object.range ? 206 : 200);
        setContentHeaders(res, content);
        if (req.method === 'HEAD') {
          content.object.body.destroy();
          res.end();
          return;
        }
        await sendBody(content.object, res);
      },
    }),
  ];
}

function setContentHeaders(res: Response, { record, object }: MediaContent): void {
  const { sha256, md5 } = record.view.checksums;
  // setHeader, not res.set: Express would append a charset to text types.
  res.setHeader('Content-Type', record.view.content_type ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(object.length));
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${sha256}"`);
  res.setHeader('x-checksum-sha256', sha256!);
  res.setHeader('x-checksum-md5', md5!);
  res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(sha256!, 'hex').toString('base64')}:`);
  if (object.range) res.setHeader('Content-Range', `bytes ${object.range.start}-${object.range.end}/${object.size}`);
  else res.setHeader('Content-MD5', Buffer.from(md5!, 'hex').toString('base64'));
}
