import { defineRoute, type RouteDef } from '../http/routes.js';
import { reads, writes } from '../media/access.js';
import { changeBy } from '../media/change.js';
import { ChangeHeaders } from '../media/common.schemas.js';
import { MediaView, PidParams } from '../media/media.schemas.js';
import type { TransferService } from './transfer.service.js';
import { DownloadBase64, DownloadUrl, DownloadUrlList, DownloadUrlsBody, ReplaceQuery, UploadBody, UploadResult } from './transfer.schemas.js';

const tags = ['Transfer'];
const pending = { 409: { description: 'The record is PENDING: its bytes have not been uploaded yet' } };

/** AMPLIfy's file_handler endpoints (`/upload`, `/download...`) plus the completion of presigned S3 uploads. */
export function transferRoutes(transfer: TransferService, base64Limit: number): RouteDef[] {
  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'post', path: '/upload', operationId: 'upload', ...writes, tags,
      summary: 'Create a media record and store its bytes (base64), or get a presigned URL to PUT them to',
      description:
        'With `base64`, the record is created and the decoded bytes stored in one step: `{"status": "READY"}`; if storing fails, no record is created. ' +
        'Without it, the record is created PENDING and `presigned_put` is a URL (S3\'s own for a BucketStore, one signed by this API otherwise) that takes a plain `PUT` of the bytes without a bearer token. ' +
        'A signed local URL makes the record READY when the PUT completes; after a PUT to S3 call `POST /api/upload/{pid}/complete`. ' +
        `The JSON body may be at most BASE64_UPLOAD_LIMIT (${base64Limit} bytes, 413 beyond); larger objects go through \`PUT /api/media/{pid}/content\` or a presigned URL.`,
      body: UploadBody, headers: ChangeHeaders, bodyLimit: base64Limit,
      responses: {
        200: { description: 'READY, or PENDING with the URL to upload to', schema: UploadResult },
        409: { description: 'The pid or store key is taken' },
        413: { description: 'The body is larger than BASE64_UPLOAD_LIMIT' },
        502: { description: 'The store failed; nothing was created' },
        507: { description: 'The store is full; nothing was created' },
      },
      handler: ({ body, principal, headers }) => transfer.upload(changeBy(principal, headers), body),
    }),
    defineRoute({
      method: 'post', path: '/upload/*pid/complete', operationId: 'completeUpload', ...writes, tags,
      summary: 'Mark a presigned upload complete: the uploaded object is measured (size, SHA-256, MD5) and the record becomes READY',
      description: 'For S3, which cannot tell this API that a presigned PUT happened. A READY record answers 409 unless `replace=true` (the bytes were uploaded again): then it is measured anew.',
      params: PidParams, query: ReplaceQuery, headers: ChangeHeaders,
      responses: {
        200: { description: 'The READY record', schema: MediaView },
        404: { description: 'No such record' },
        409: { description: 'Nothing was uploaded yet, the record is already READY (without replace=true), or it is being deleted' },
        502: { description: 'The store failed' },
      },
      handler: ({ params, query, principal, headers }) => transfer.complete(changeBy(principal, headers), params.pid, query.replace),
    }),
    defineRoute({
      method: 'get', path: '/download/url/*pid', operationId: 'downloadUrl', ...reads, tags,
      summary: 'The record and a presigned URL to GET its bytes (no bearer token needed)', params: PidParams,
      responses: { 200: { description: 'Record and URL', schema: DownloadUrl }, 404: { description: 'No such record' }, ...pending },
      handler: ({ params }) => transfer.downloadUrl(params.pid),
    }),
    defineRoute({
      method: 'post', path: '/download/urls', operationId: 'downloadUrls', ...reads, tags,
      summary: 'Presigned download URLs of many records; a pid that fails gets `{pid, error, msg}` in its place',
      body: DownloadUrlsBody,
      responses: { 200: { description: 'One item per pid, in order', schema: DownloadUrlList } },
      handler: ({ body }) => transfer.downloadUrls(body),
    }),
    defineRoute({
      method: 'get', path: '/download/*pid', operationId: 'download', ...reads, tags,
      summary: 'The record and its bytes, base64-encoded',
      description: `Objects whose base64 form exceeds BASE64_UPLOAD_LIMIT (${base64Limit} bytes) answer 413: use the presigned URL or the streaming endpoint.`,
      params: PidParams,
      responses: { 200: { description: 'Record and bytes', schema: DownloadBase64 }, 404: { description: 'No such record' }, ...pending, 413: { description: 'Too large for base64' } },
      handler: ({ params }) => transfer.downloadBase64(params.pid),
    }),
  ];
}
