import { z } from 'zod';
import { JsonValue, plainText } from './common.schemas.js';
import { Identifiers, MediaUpdate, PidList, StoreKey, Tags } from './media.schemas.js';

/**
 * Bodies of the bulk endpoints (AMPLIfy's MediaSchemaUpdate* models). A body that does not
 * fit the schema is refused whole (422 naming the item and field, nothing written); items
 * that fit are then applied one by one, each in its own transaction.
 */

const MAX_ITEMS = 10_000;
const ItemPid = plainText(512);

export const BulkMediaUpdate = z
  .strictObject({
    pids: PidList,
    medias: z.array(MediaUpdate).max(MAX_ITEMS),
  })
  .refine((b) => b.medias.length === b.pids.length || b.medias.length === 1, {
    message: 'give one update per pid (pids[i] gets medias[i]), or a single update for every pid',
    path: ['medias'],
  })
  .meta({ id: 'BulkMediaUpdate' });

export const TagsUpdate = z.array(z.strictObject({ pid: ItemPid, tags: Tags }).meta({ id: 'MediaTagsUpdate' })).max(MAX_ITEMS);
export const StoreKeysUpdate = z
  .array(z.strictObject({ pid: ItemPid, store_key: StoreKey }).meta({ id: 'MediaStoreKeyUpdate' }))
  .max(MAX_ITEMS);
export const IdentifiersUpdate = z
  .array(z.strictObject({ pid: ItemPid, identifiers: Identifiers }).meta({ id: 'MediaIdentifiersUpdate' }))
  .max(MAX_ITEMS);

/** A key of a JSON object: any string Postgres can store. */
export const JsonKey = z
  .string()
  .max(1024)
  .refine((k) => !k.includes('\u0000') && !/\p{Cs}/u.test(k), 'must be well-formed Unicode without NUL characters')
  .refine((k) => k !== '__proto__', 'the key "__proto__" is not allowed');

export const MetadataUpdate = z
  .array(
    z
      .strictObject({
        pid: ItemPid,
        keys: z
          .array(JsonKey)
          .max(32)
          .nullish()
          .transform((k) => k ?? [])
          .meta({ description: 'Path into the metadata object; empty means the whole metadata' }),
        data: JsonValue.optional()
          .transform((d) => (d === undefined ? {} : d))
          .meta({ description: 'PUT: the value to place at the path; PATCH: an object merged into the object at the path; DELETE: ignored' }),
      })
      .meta({ id: 'MediaMetadataUpdate' }),
  )
  .max(MAX_ITEMS);
export type MetadataUpdateItem = z.output<typeof MetadataUpdate>[number];

export const BulkResult = z
  .object({
    successes: z.array(z.string()).meta({ description: 'Pids changed' }),
    failures: z
      .array(
        z.object({
          pid: z.string(),
          error: z.string().meta({ description: 'Kind of failure: NotFound, Conflict, ValidationError, BadGateway, ...' }),
          msg: z.string(),
        }),
      )
      .meta({ description: 'Pids not changed, each with why; the other items are unaffected' }),
  })
  .meta({ id: 'BulkUpdateResponse' });
export type BulkResult = z.infer<typeof BulkResult>;
