import { z } from 'zod';
import { plainText } from '../media/common.schemas.js';
import { MediaCreate, MediaView, PidList } from '../media/media.schemas.js';

/**
 * AMPLIfy's file_handler schemas (`UploadSchemaInput/Output`, `DownloadSchemaOutput`,
 * `DownloadError`), with optional fields of ours after theirs.
 */

const Hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes * 2} hex characters`);

export const ExpectedChecksumsBody = z
  .strictObject({ sha256: Hex(32).nullish(), md5: Hex(16).nullish() })
  .meta({ description: 'Checksums the bytes must have (hex); a mismatch is a 422 and nothing is kept' });

export const ContentType = plainText(255).regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'must be a media type such as video/mp2t');

export const UploadBody = z
  .strictObject({
    mediadata: MediaCreate,
    base64: z
      .string()
      .nullish()
      .meta({ description: 'The bytes, base64-encoded. Empty or absent: the answer carries a presigned URL to PUT them to instead' }),
    checksums: ExpectedChecksumsBody.nullish(),
    content_type: ContentType.nullish().meta({ description: 'Content type of the bytes, kept on the record and served on download' }),
  })
  .meta({ id: 'UploadInput' });
export type UploadBody = z.output<typeof UploadBody>;

export const UploadResult = z
  .object({
    status: z.enum(['READY', 'PENDING']),
    presigned_put: z.string().nullable().meta({ description: 'Where to PUT the bytes (no bearer token) when PENDING; null when READY' }),
    pid: z.string().meta({ description: 'The record (generated when mediadata had no pid)' }),
    expires: z.iso.datetime().nullable().meta({ description: 'When presigned_put stops working' }),
  })
  .meta({ id: 'UploadOutput' });
export type UploadResult = z.output<typeof UploadResult>;

export const DownloadBase64 = z.object({ mediadata: MediaView, base64: z.string() }).meta({ id: 'DownloadBase64Output' });
export const DownloadUrl = z
  .object({ mediadata: MediaView, presigned_get: z.string(), expires: z.iso.datetime() })
  .meta({ id: 'DownloadUrlOutput' });
export type DownloadUrl = z.output<typeof DownloadUrl>;
export const DownloadError = z.object({ pid: z.string(), error: z.string(), msg: z.string() }).meta({ id: 'DownloadError' });
export const DownloadUrlList = z.array(z.union([DownloadUrl, DownloadError])).meta({ id: 'DownloadUrlList' });
export const DownloadUrlsBody = PidList;

export const ReplaceQuery = z.strictObject({
  replace: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .meta({ description: 'Replace the bytes of a READY record (otherwise 409)' }),
});

// Content-Type is the request body's (OpenAPI describes it there, not as a header parameter).
export const ContentHeaders = z.object({
  'content-md5': z.string().optional().meta({ description: 'Expected MD5 of the body, base64 (RFC 1864) or hex' }),
  'x-checksum-sha256': z.string().optional().meta({ description: 'Expected SHA-256 of the body, hex or base64' }),
  'x-change-reason': z.string().max(1000).optional(),
});

export const ContentResponseHeaders = z.object({
  'Content-Length': z.string(),
  ETag: z.string().meta({ description: 'The SHA-256 of the whole object, quoted' }),
  'x-checksum-sha256': z.string().meta({ description: 'SHA-256 of the whole object, hex' }),
  'x-checksum-md5': z.string().meta({ description: 'MD5 of the whole object, hex' }),
  'Repr-Digest': z.string().meta({ description: 'RFC 9530: sha-256 of the whole object' }),
  'Content-Range': z.string().optional(),
});

export const StoredContent = z
  .object({ pid: z.string(), size: z.number().int(), sha256: z.string(), md5: z.string(), content_type: z.string().nullable() })
  .meta({ id: 'StoredContent' });
