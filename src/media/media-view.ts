import type { MediaRow } from './media.repo.js';
import type { MediaView } from './media.schemas.js';
import type { StoreConfigView } from './store-configs.schemas.js';

/** A media row as the API shows it: AMPLIfy's MediaSchema fields first, then ours. */
export function toMediaView(row: MediaRow, store: StoreConfigView): MediaView {
  return {
    pk: row.id,
    pid: row.pid,
    pid_type: row.pidType,
    store_config: store,
    store_key: row.storeKey,
    store_status: row.storeStatus,
    identifiers: row.identifiers,
    metadata: row.metadata,
    tags: row.tags,
    size: row.size,
    checksums: { sha256: row.sha256, md5: row.md5 },
    content_type: row.contentType,
    stored: row.stored?.toISOString() ?? null,
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
    created_by: row.createdBy,
    updated_by: row.updatedBy,
    fixity: row.fixityChecked ? { checked: row.fixityChecked.toISOString(), status: row.fixityStatus! } : null,
    deletion: row.deleteRequested
      ? {
          requested: row.deleteRequested.toISOString(),
          requested_by: row.deleteRequestedBy,
          attempts: row.deleteAttempts,
          last_error: row.deleteError,
        }
      : null,
  };
}
