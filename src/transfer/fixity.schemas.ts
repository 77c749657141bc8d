import { z } from 'zod';
import { plainText } from '../media/common.schemas.js';
import { AUDIT_STATUSES } from './fixity.tables.js';

const Digests = z.object({ size: z.number().int(), sha256: z.string(), md5: z.string() });

export const VerifyReport = z
  .object({
    pid: z.string(),
    status: z.enum(['match', 'mismatch']),
    expected: Digests.meta({ description: 'What the record says (measured when the bytes were stored)' }),
    actual: Digests.nullable().meta({ description: 'What the stored bytes give now; null when the object is missing from the store' }),
    verified_at: z.iso.datetime(),
  })
  .meta({ id: 'FixityReport' });
export type VerifyReport = z.output<typeof VerifyReport>;

export const AuditCreate = z
  .strictObject({
    store_config: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Only records of this store config' }),
    tag: plainText(256).optional().meta({ description: 'Only records with this tag' }),
    stored_before: z.iso.datetime({ offset: true }).optional().meta({ description: 'Only records whose bytes were stored before this time' }),
    not_verified_for: z
      .number()
      .int()
      .min(0)
      .max(100 * 365 * 86400)
      .optional()
      .meta({ description: 'Only records not verified for at least this many seconds (or never)' }),
  })
  .meta({ id: 'FixityAuditCreate', description: 'Which READY records to verify; every condition optional, combined with AND' });
export type AuditCreate = z.output<typeof AuditCreate>;

export const AuditView = z
  .object({
    id: z.number().int(),
    status: z.enum(AUDIT_STATUSES),
    selection: AuditCreate,
    total: z.number().int().meta({ description: 'Records selected when the audit started' }),
    checked: z.number().int(),
    matched: z.number().int(),
    mismatched: z.number().int(),
    errors: z.number().int().meta({ description: 'Records whose bytes could not be read (store unreachable); neither match nor mismatch' }),
    mismatches: z.array(z.string()).meta({ description: 'Pids of the mismatches (the first 1000)' }),
    error: z.string().nullable(),
    created_by: z.string(),
    started: z.iso.datetime(),
    updated: z.iso.datetime(),
    finished: z.iso.datetime().nullable(),
  })
  .meta({ id: 'FixityAudit' });
export type AuditView = z.output<typeof AuditView>;

export const AuditParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
