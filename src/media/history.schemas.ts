import { z } from 'zod';
import { Cursor, Limit } from './common.schemas.js';
import { HISTORY_TYPES } from './history.tables.js';

const entryFields = {
  history_id: z.number().int(),
  history_type: z.enum(HISTORY_TYPES).meta({ description: '`+` created, `~` changed, `-` deleted' }),
  history_date: z.iso.datetime(),
  history_user: z.string().nullable(),
  history_change_reason: z.string().nullable().meta({ description: 'The `X-Change-Reason` header of the request' }),
};

export const MediaHistoryEntry = z
  .object({ ...entryFields, pid: z.string(), snapshot: z.record(z.string(), z.unknown()).meta({ description: 'The whole record after the change (before it, for `-`)' }) })
  .meta({ id: 'MediaHistoryEntry' });
export type MediaHistoryEntry = z.infer<typeof MediaHistoryEntry>;

export const MediaHistoryPage = z
  .object({ history: z.array(MediaHistoryEntry), next_cursor: z.string().nullable() })
  .meta({ id: 'MediaHistory' });

export const ConfigHistoryEntry = z
  .object({ ...entryFields, snapshot: z.record(z.string(), z.unknown()).meta({ description: 'The resource after the change (before it, for `-`); never S3 keys' }) })
  .meta({ id: 'ConfigHistoryEntry' });
export type ConfigHistoryEntry = z.infer<typeof ConfigHistoryEntry>;

export const ConfigHistoryPage = z
  .object({ history: z.array(ConfigHistoryEntry), next_cursor: z.string().nullable() })
  .meta({ id: 'ConfigHistory' });

export const HistoryQuery = z.strictObject({
  limit: Limit.default(100),
  cursor: Cursor.optional(),
});
