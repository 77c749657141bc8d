import type { SourceRecord } from './sources.repo.js';
import type { SourceDoc } from './sources.schemas.js';
import type { Tags } from '../common.schemas.js';

/** What a client can change on a source (through its label, description and tags endpoints). */
export interface SourceMetadata {
  label?: string;
  description?: string;
  tags: Tags;
}

export function toSourceDoc({ row, sourceCollection, collectedBy }: SourceRecord): SourceDoc {
  return {
    id: row.id,
    format: row.format,
    ...(row.label !== null ? { label: row.label } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    created_by: row.createdBy,
    updated_by: row.updatedBy,
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
    tags: row.tags,
    ...(sourceCollection?.length ? { source_collection: sourceCollection } : {}),
    ...(collectedBy?.length ? { collected_by: collectedBy } : {}),
  };
}

export function toSourceMetadata(doc: SourceDoc): SourceMetadata {
  return { ...(doc.label !== undefined ? { label: doc.label } : {}), ...(doc.description !== undefined ? { description: doc.description } : {}), tags: doc.tags };
}
