import { z } from 'zod';
import { plainText } from './common.schemas.js';

const Url = plainText(2048)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http(s) URL')
  .meta({ example: 'https://s3.example.org' });

export const S3ConfigCreate = z
  .strictObject({
    url: Url,
    access_key: plainText(1024),
    secret_key: plainText(1024),
  })
  .meta({ id: 'S3ConfigCreate' });
export type S3ConfigCreate = z.infer<typeof S3ConfigCreate>;

/** Keys are never returned. */
export const S3ConfigView = z.object({ pk: z.number().int(), url: z.string() }).meta({ id: 'S3ConfigSansKeys' });
export type S3ConfigView = z.infer<typeof S3ConfigView>;
