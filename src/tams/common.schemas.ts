import { z } from 'zod';
import { TIMESTAMP_PATTERN } from './timerange.js';
import { UUID_PATTERN } from './http/query.js';

/** Schemas every TAMS resource uses (the spec's uuid.json, tags.json, content-format.json, error.json). */

/** uuid.json: lowercase, versions 1-5 (so ids are never upper-case or UUIDv7). */
export const Uuid = z.string().regex(UUID_PATTERN, 'must be a lowercase UUID of version 1 to 5').meta({ example: '6101df05-06bb-41b8-8af4-cf7cd33df209' });

export const TagValue = z.union([z.string(), z.array(z.string())]).meta({ id: 'TamsTagValue', description: 'A string or a list of strings' });
export const Tags = z.record(z.string(), TagValue).meta({ id: 'TamsTags' });
export type Tags = z.infer<typeof Tags>;

export const FORMATS = {
  video: 'urn:x-nmos:format:video',
  image: 'urn:x-tam:format:image',
  audio: 'urn:x-nmos:format:audio',
  data: 'urn:x-nmos:format:data',
  multi: 'urn:x-nmos:format:multi',
} as const;
export const ContentFormat = z.enum(Object.values(FORMATS) as [string, ...string[]]).meta({ id: 'TamsContentFormat' });

/** mime-type.json (query filters on codec). */
export const MimeType = z
  .string()
  .regex(/^(application|audio|font|example|image|message|model|multipart|text|video|x-(?:[0-9A-Za-z!#$%&'*+.^_`|~-]+))\/([0-9A-Za-z!#$%&'*+.^_`|~-]+)$/, 'must be a MIME type such as video/h264');

export const Timestamp = z.string().regex(TIMESTAMP_PATTERN, 'must be a timestamp such as 10:0');

export const IdParams = <K extends string>(name: K) => z.object({ [name]: Uuid } as Record<K, typeof Uuid>);

/** The spec's error.json plus `detail` and `message` (see http/error-handler.ts). */
export const TamsError = z
  .object({
    type: z.string(),
    summary: z.string(),
    detail: z.unknown().optional(),
    time: z.iso.datetime(),
    message: z.union([z.string(), z.array(z.string())]),
  })
  .meta({ id: 'TamsError' });

export const errorResponse = (description: string) => ({ description, schema: TamsError });
