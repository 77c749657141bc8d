import { isDeepStrictEqual } from 'node:util';
import type { Tags } from '../common.schemas.js';
import type { CollectionItem } from './collections.sql.js';
import type { tamsFlows } from './flows.tables.js';

type Json = Record<string, unknown>;
export type FlowRow = typeof tamsFlows.$inferSelect;

/** A flow as read from the database, with its collection and the flows collecting it. */
export interface FlowRecord {
  row: FlowRow;
  collection: CollectionItem[] | null;
  collectedBy: string[] | null;
}

/**
 * Everything a client sets on a flow (by PUT or the property endpoints), in the spec's names.
 * Absent optional members are left out, never `undefined`, so two values compare with
 * `isDeepStrictEqual`.
 */
export interface FlowMetadata {
  source_id: string;
  format: string;
  codec?: string;
  container?: string;
  avg_bit_rate?: number;
  segment_duration?: Json;
  container_mapping?: Json;
  essence_parameters?: Json;
  profile_id?: string;
  label?: string;
  description?: string;
  tags: Tags;
  status?: string;
  read_only: boolean;
  generation?: number;
  max_bit_rate?: number;
  flow_collection: CollectionItem[];
}

/** flow-get.json */
export type FlowDoc = Omit<Partial<FlowMetadata>, 'flow_collection'> & {
  id: string;
  source_id: string;
  format: string;
  tags: Tags;
  flow_collection?: CollectionItem[];
  collected_by?: string[];
  created: string;
  created_by: string;
  updated_by: string;
  metadata_updated: string;
  metadata_version: string;
  segments_updated?: string;
  timerange?: string;
};

/** Drops undefined and null members. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function toFlowMetadata({ row, collection }: FlowRecord): FlowMetadata {
  return compact({
    source_id: row.sourceId,
    format: row.format,
    codec: row.codec,
    container: row.container,
    avg_bit_rate: row.avgBitRate,
    segment_duration: row.segmentDuration,
    container_mapping: row.containerMapping,
    essence_parameters: row.essenceParameters,
    profile_id: row.profileId,
    label: row.label,
    description: row.description,
    tags: row.tags,
    status: row.status,
    read_only: row.readOnly,
    generation: row.generation,
    max_bit_rate: row.maxBitRate,
    flow_collection: collection ?? [],
  } as FlowMetadata);
}

export function toFlowDoc(record: FlowRecord): FlowDoc {
  const { flow_collection, ...metadata } = toFlowMetadata(record);
  const { row, collectedBy } = record;
  return {
    id: row.id,
    ...metadata,
    ...(flow_collection.length ? { flow_collection } : {}),
    ...(collectedBy?.length ? { collected_by: collectedBy } : {}),
    created: row.created.toISOString(),
    created_by: row.createdBy,
    updated_by: row.updatedBy,
    metadata_updated: row.metadataUpdated.toISOString(),
    metadata_version: row.metadataVersion,
    ...(row.segmentsUpdated ? { segments_updated: row.segmentsUpdated.toISOString() } : {}),
  };
}

/** Column values of the metadata (null for absent members, so an update clears them). */
export function toFlowColumns(m: FlowMetadata) {
  return {
    sourceId: m.source_id,
    format: m.format,
    codec: m.codec ?? null,
    container: m.container ?? null,
    avgBitRate: m.avg_bit_rate ?? null,
    segmentDuration: m.segment_duration ?? null,
    containerMapping: m.container_mapping ?? null,
    essenceParameters: m.essence_parameters ?? null,
    profileId: m.profile_id ?? null,
    label: m.label ?? null,
    description: m.description ?? null,
    tags: m.tags,
    status: m.status ?? null,
    readOnly: m.read_only,
    generation: m.generation ?? null,
    maxBitRate: m.max_bit_rate ?? null,
  };
}

export const sameMetadata = (a: FlowMetadata, b: FlowMetadata) => isDeepStrictEqual(compact(a), compact(b));

/** True when the two differ in nothing but `read_only` (allowed on a read-only flow). */
export const onlyReadOnlyDiffers = (a: FlowMetadata, b: FlowMetadata) => sameMetadata({ ...a, read_only: false }, { ...b, read_only: false });
