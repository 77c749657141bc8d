import { z } from 'zod';
import { Cursor, JsonValue, Limit, plainText } from './common.schemas.js';
import { IdentifierTypeName } from './identifier-types.schemas.js';
import { JsonKey } from './media-bulk.schemas.js';
import { STORE_STATUSES } from './media.tables.js';
import { Tags } from './media.schemas.js';

const wildcards = 'use `*` for any run of characters and `?` for one character';

export const MetadataCondition = z
  .strictObject({
    keys: z.array(JsonKey).min(1).max(32).meta({ description: 'Path into the metadata object', example: ['camera', 'model'] }),
    equals: JsonValue.optional().meta({ description: 'The value at the path equals this JSON value' }),
    exists: z.boolean().optional().meta({ description: 'The path exists (true) or does not (false)' }),
  })
  .refine((c) => (c.equals !== undefined) !== (c.exists !== undefined), 'give either `equals` or `exists`')
  .meta({ id: 'MetadataCondition' });
export type MetadataCondition = z.output<typeof MetadataCondition>;

/**
 * AMPLIfy's MediaSearchSchema (`tags`: any of them) and more; every condition given must
 * hold. Omitted, null or empty conditions are not applied.
 */
export const MediaSearch = z
  .strictObject({
    tags: Tags.nullish().meta({ description: 'Records with any of these tags (AMPLIfy)' }),
    tags_all: Tags.nullish().meta({ description: 'Records with all of these tags' }),
    pid: plainText(512).nullish().meta({ description: `The pid; ${wildcards}`, example: 'clip-2024-*' }),
    pid_type: IdentifierTypeName.nullish(),
    identifiers: z
      .record(IdentifierTypeName, plainText(1024))
      .nullish()
      .meta({ description: `Identifier type → value; ${wildcards}; "*" alone: the record has that identifier`, example: { ISAN: '0000-0000-*' } }),
    store_status: z.enum(STORE_STATUSES).nullish(),
    store_config: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).nullish().meta({ description: 'Store config pk' }),
    metadata: z.array(MetadataCondition).max(16).nullish(),
    limit: z.number().int().min(1).max(1000).nullish().meta({
      description: 'Page size (1-1000); the next page is continued with `cursor` from `X-Paging-NextKey`. Without a limit every match is returned (AMPLIfy)',
    }),
    cursor: Cursor.nullish(),
  })
  .meta({ id: 'MediaSearch' });
export type MediaSearch = z.output<typeof MediaSearch>;

export const DumpQuery = z.strictObject({
  limit: Limit.optional().meta({ description: 'Page size (1-1000). Without it every record is returned, streamed (AMPLIfy)' }),
  cursor: Cursor.optional(),
});
