import { z } from 'zod';
import { plainText } from './common.schemas.js';
import { STORE_TYPES } from './store-configs.tables.js';

export const StoreType = z.enum(STORE_TYPES);

/** AMPLIfy's StoreConfigSchemaCreate: pydantic sends `s3_url: ""` when none is given. */
export const StoreConfigCreate = z
  .strictObject({
    type: StoreType,
    bucket: plainText(1024).meta({
      description: 'S3 bucket name; for FilesystemStore a folder under FILESYSTEM_STORE_ROOT (`/demobucket` means `<root>/demobucket`); for DictStore any name',
      example: '/demobucket',
    }),
    s3_url: z
      .string()
      .max(2048)
      .nullish()
      .meta({ description: 'BucketStore only: the `url` of an existing S3 config (create it first with POST /api/s3cfg)' }),
  })
  .meta({ id: 'StoreConfigCreate' });
export type StoreConfigCreate = z.infer<typeof StoreConfigCreate>;

export const StoreConfigView = z
  .object({
    pk: z.number().int(),
    type: StoreType,
    bucket: z.string(),
    s3_url: z.string().meta({ description: 'The S3 config url; empty for other store types' }),
  })
  .meta({ id: 'StoreConfig' });
export type StoreConfigView = z.infer<typeof StoreConfigView>;
