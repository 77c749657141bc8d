import { z } from 'zod';
import { IdentifierTypeName } from './identifier-types.schemas.js';
import { JsonObject, plainText } from './common.schemas.js';
import { FIXITY_STATUSES, STORE_STATUSES } from './media.tables.js';
import { StoreConfigCreate, StoreConfigView } from './store-configs.schemas.js';

/**
 * Media record schemas. Request bodies follow AMPLIfy's pydantic models (`amplify-schemas`,
 * `schemas.mediastore`) field for field, including what `model_dump()` sends for fields the
 * caller left out (`null`, `""`, `{}`, `[]`); unknown fields are refused.
 */

/** Paths that a pid cannot take, because the route table gives them to other endpoints. */
function reservedPidProblem(pid: string): string | undefined {
  if (pid === 'dump' || pid === 'update' || pid.startsWith('update/')) return `"${pid}" is reserved by the /api/media/${pid.split('/')[0]} endpoints`;
  for (const suffix of ['history', 'content', 'verify']) {
    if (pid.endsWith(`/${suffix}`)) return `must not end in "/${suffix}" (reserved by /api/media/{pid}/${suffix})`;
  }
  return undefined;
}

export const Pid = plainText(512)
  .superRefine((pid, ctx) => {
    const problem = reservedPidProblem(pid);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'Persistent identifier of the record; may contain "/" (e.g. a DOI)', example: 'doi:10.1234/clip-001' });

/** The pid in a URL: `/api/media/doi:10.1234/clip-001` (the path's remaining segments) or percent-encoded. */
export const PidParams = z.object({
  pid: z.preprocess((v) => (Array.isArray(v) ? v.join('/') : v), plainText(512)).meta({
    description: 'The pid; may contain "/" (plain or as %2F)',
    example: 'clip-001',
  }),
});

export const Tag = plainText(256);
export const Tags = z.array(Tag).max(1000);
export const IdentifierValue = plainText(1024);
export const Identifiers = z.record(IdentifierTypeName, IdentifierValue).meta({
  description: 'More identifiers of the record: identifier type name → value (a string matching the type pattern)',
  example: { ISAN: '0000-0000-3A8D-0000-Z-0000-0000-6' },
});
export const StoreKey = plainText(1024).meta({ description: 'Key of the bytes in the store; generated (UUID) when absent' });

/** AMPLIfy's MediaSchemaCreate (plus optional `pid` and `store_key`). */
export const MediaCreate = z
  .strictObject({
    pid: Pid.nullish().meta({ description: 'Generated (a UUID) when absent or null' }),
    pid_type: IdentifierTypeName,
    store_config: StoreConfigCreate,
    store_key: z
      .string()
      .max(1024)
      .nullish()
      .meta({ description: 'Generated (a UUID) when absent, null or empty; given, it must be free in that store' }),
    identifiers: Identifiers.nullish().transform((v) => v ?? {}),
    metadata: JsonObject.nullish().transform((v) => v ?? {}),
    tags: Tags.nullish().transform((v) => v ?? []),
  })
  .meta({ id: 'MediaCreate' });
export type MediaCreate = z.output<typeof MediaCreate>;

/** AMPLIfy's MediaSchemaUpdate: `store_config` is a store config pk or a (get-or-create) store config body. */
export const MediaUpdate = z
  .strictObject({
    pid: Pid.nullish().meta({ description: 'The record to change (bulk), or the path pid again (single); ignored when null' }),
    new_pid: Pid.nullish(),
    pid_type: IdentifierTypeName.nullish(),
    store_config: z.union([z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), StoreConfigCreate]).nullish(),
  })
  .meta({ id: 'MediaUpdate' });
export type MediaUpdate = z.output<typeof MediaUpdate>;

const Checksums = z.object({
  sha256: z.string().nullable().meta({ description: 'Lowercase hex; null until the bytes are stored' }),
  md5: z.string().nullable(),
});

export const MediaView = z
  .object({
    pk: z.number().int(),
    pid: z.string(),
    pid_type: z.string(),
    store_config: StoreConfigView,
    store_key: z.string(),
    store_status: z.enum(STORE_STATUSES),
    identifiers: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    size: z.number().int().nullable().meta({ description: 'Bytes; null until stored' }),
    checksums: Checksums,
    content_type: z.string().nullable(),
    stored: z.iso.datetime().nullable().meta({ description: 'When the bytes were stored' }),
    created: z.iso.datetime(),
    updated: z.iso.datetime(),
    created_by: z.string(),
    updated_by: z.string(),
    fixity: z
      .object({ checked: z.iso.datetime(), status: z.enum(FIXITY_STATUSES) })
      .nullable()
      .meta({ description: 'Outcome of the last fixity check (POST /api/media/{pid}/verify or an audit); null until checked' }),
    deletion: z
      .object({
        requested: z.iso.datetime(),
        requested_by: z.string().nullable(),
        attempts: z.number().int(),
        last_error: z.string().nullable(),
      })
      .nullable()
      .meta({ description: 'Set while a deletion waits for the store to delete the bytes (retried in the background)' }),
  })
  .meta({ id: 'Media' });
export type MediaView = z.infer<typeof MediaView>;

export const MediaList = z.array(MediaView).meta({ id: 'MediaList' });

export const MediaQuery = z.strictObject({
  as_of: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'Return the record as it was at this time (ISO 8601), from its history; works after deletion' }),
});

export const PidList = z.array(plainText(512)).max(10_000).meta({ id: 'PidList' });
