import { z } from 'zod';
import { badRequest } from '../../http/errors.js';
import { type PropertyDef, textProperties } from '../property-routes.js';
import type { FlowDoc, FlowMetadata } from './flow-document.js';
import { FlowCollection } from './flows.schemas.js';

const BitRate = z.int().nonnegative().meta({ description: 'kbit/s' });

/** avg_bit_rate belongs to a linked profile (spec: 400; unlink the profile first with profile_id ""). */
function unlinked(current: FlowMetadata): FlowMetadata {
  if (current.profile_id) throw badRequest(`avg_bit_rate comes from profile ${current.profile_id}; unlink the profile (PUT the flow with profile_id "") to change it`);
  return current;
}

/** The `/flows/{flowId}/<property>` endpoints besides tags. */
export const flowProperties: PropertyDef<FlowDoc, FlowMetadata>[] = [
  ...textProperties<FlowDoc, FlowMetadata>(),
  {
    name: 'read_only',
    opName: 'read-only',
    schema: z.boolean(),
    read: (doc) => doc.read_only ?? false,
    write: (current, value: boolean) => ({ ...current, read_only: value }),
  },
  {
    name: 'flow_collection',
    opName: 'flow-collection',
    schema: FlowCollection,
    read: (doc) => doc.flow_collection ?? [],
    write: (current, value: FlowMetadata['flow_collection']) => ({ ...current, flow_collection: value }),
    remove: (current) => ({ ...current, flow_collection: [] }),
  },
  {
    name: 'max_bit_rate',
    opName: 'max-bit-rate',
    schema: BitRate,
    read: (doc) => doc.max_bit_rate,
    write: (current, value: number) => ({ ...current, max_bit_rate: value }),
    remove: ({ max_bit_rate: _gone, ...rest }) => rest,
  },
  {
    name: 'avg_bit_rate',
    opName: 'avg-bit-rate',
    schema: BitRate,
    read: (doc) => doc.avg_bit_rate,
    write: (current, value: number) => ({ ...unlinked(current), avg_bit_rate: value }),
    remove: (current) => {
      const { avg_bit_rate: _gone, ...rest } = unlinked(current);
      return rest;
    },
  },
];
